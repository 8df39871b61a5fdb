"""Local fakes of Discord (discord/) and Twilio (twilio/) that the tests run against."""
