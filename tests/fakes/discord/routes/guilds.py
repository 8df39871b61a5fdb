"""REST: the guild, its roles and its members."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tests.fakes.discord.routes.base import RouteBase, json_response


class GuildRoutes(RouteBase):
    """guilds/{guild}, its roles, its members and their roles."""

    async def _get_guild(self, _r: web.Request, p: dict[str, str], _b: Any) -> web.Response:
        return self._check_guild(p) or json_response(self._guild_payload())

    async def _get_roles(self, _r: web.Request, p: dict[str, str], _b: Any) -> web.Response:
        return self._check_guild(p) or json_response(list(self.roles.values()))

    async def _create_role(self, _r: web.Request, p: dict[str, str], body: Any) -> web.Response:
        if (bad := self._check_guild(p)) is not None:
            return bad
        role = self.add_role(
            body.get("name") or "new role", permissions=int(body.get("permissions") or 0)
        )
        role["mentionable"] = bool(body.get("mentionable", False))
        role["hoist"] = bool(body.get("hoist", False))
        role["color"] = int(body.get("color") or 0)
        self.dispatch("GUILD_ROLE_CREATE", {"guild_id": str(self.guild_id), "role": role})
        return json_response(role)

    async def _edit_role(self, _r: web.Request, p: dict[str, str], body: Any) -> web.Response:
        role = self.roles.get(int(p["role"]))
        if role is None:
            return self._not_found("role")
        for key in ("name", "permissions", "color", "hoist", "mentionable"):
            if key in body:
                role[key] = str(body[key]) if key == "permissions" else body[key]
        self.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(self.guild_id), "role": role})
        return json_response(role)

    async def _delete_role(self, _r: web.Request, p: dict[str, str], _b: Any) -> web.Response:
        if self.roles.pop(int(p["role"]), None) is None:
            return self._not_found("role")
        for member in self.members.values():
            member["roles"] = [r for r in member["roles"] if r != p["role"]]
        self.dispatch("GUILD_ROLE_DELETE", {"guild_id": str(self.guild_id), "role_id": p["role"]})
        return web.Response(status=204)

    # -- REST: members --------------------------------------------------------------------
    def _member_updated(self, user_id: int) -> None:
        member = self.members[user_id]
        self.dispatch("GUILD_MEMBER_UPDATE", {**member, "guild_id": str(self.guild_id)})

    async def _list_members(self, request: web.Request, p: dict[str, str], _b: Any) -> web.Response:
        if (bad := self._check_guild(p)) is not None:
            return bad
        after = int(request.query.get("after", "0"))
        limit = int(request.query.get("limit", "1"))
        members = [m for uid, m in sorted(self.members.items()) if uid > after][:limit]
        return json_response(members)

    async def _get_member(self, _r: web.Request, p: dict[str, str], _b: Any) -> web.Response:
        member = self.members.get(int(p["user"]))
        return json_response(member) if member else self._not_found("member")

    async def _edit_member(self, _r: web.Request, p: dict[str, str], body: Any) -> web.Response:
        user_id = int(p["user"])
        member = self.members.get(user_id)
        if member is None:
            return self._not_found("member")
        if "roles" in body:
            member["roles"] = [str(r) for r in body["roles"]]
        if "nick" in body:
            member["nick"] = body["nick"]
        self._member_updated(user_id)
        return json_response(member)

    async def _add_member_role(self, _r: web.Request, p: dict[str, str], _b: Any) -> web.Response:
        user_id = int(p["user"])
        member = self.members.get(user_id)
        if member is None:
            return self._not_found("member")
        if int(p["role"]) not in self.roles:
            return self._not_found("role")
        if p["role"] not in member["roles"]:
            member["roles"].append(p["role"])
            self._member_updated(user_id)
        return web.Response(status=204)

    async def _remove_member_role(
        self, _r: web.Request, p: dict[str, str], _b: Any
    ) -> web.Response:
        user_id = int(p["user"])
        member = self.members.get(user_id)
        if member is None:
            return self._not_found("member")
        if p["role"] in member["roles"]:
            member["roles"].remove(p["role"])
            self._member_updated(user_id)
        return web.Response(status=204)
