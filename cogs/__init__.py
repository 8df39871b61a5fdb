"""Discord cogs, one package per capability, plus the toolkit (_ui) and the publisher."""
