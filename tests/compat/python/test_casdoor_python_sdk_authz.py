"""Casdoor's Python SDK authorization calls (models, roles, permissions, groups, enforcers,
enforce, batch_enforce) against the real ferrodoor binary, as the organization acme's
application (conftest.py).
"""

import pytest
from casdoor.enforcer import Enforcer
from casdoor.group import Group
from casdoor.model import Model
from casdoor.permission import Permission
from casdoor.role import Role
from casdoor.user import User

RBAC = """[request_definition]
r = sub, obj, act

[policy_definition]
p = sub, obj, act

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub) && r.obj == p.obj && r.act == p.act"""


def model(name: str, text: str) -> Model:
    m = Model.new(owner="acme", name=name, created_time="", display_name=name, model_text=text)
    # The SDK's class defaults `users` and `children` to classes it cannot encode.
    m.users, m.children = [], []
    return m


def role(name: str, users=None, roles=None) -> Role:
    r = Role.new(owner="acme", name=name, created_time="", display_name=name, description="")
    r.users = users or [""]
    r.roles = roles or [""]
    r.isEnabled = True
    return r


def allowed(sdk, subject: str, obj: str = "doc1", act: str = "read") -> bool:
    return sdk.enforce("acme/read-docs", "", "", "", "", [subject, obj, act])


@pytest.fixture(scope="module")
def grants(sdk):
    for name in ("fay", "gus"):
        user = User.new(owner="acme", name=name, created_time="", display_name=name, email="")
        user.password = f"{name}-Passw0rd!"
        assert sdk.add_user(user)["data"] == "Affected"
    assert sdk.add_model(model("rbac", RBAC))["status"] == "ok"
    assert sdk.add_role(role("reader", users=["acme/fay"]))["data"] == "Affected"
    permission = Permission.new(
        owner="acme",
        name="read-docs",
        created_time="",
        display_name="Read docs",
        description="",
        users=[""],
        roles=["acme/reader"],
        domains=[""],
        model="rbac",
        resource_type="Custom",
        resources=["doc1"],
        actions=["read"],
        effect="Allow",
        is_enabled=True,
    )
    assert sdk.add_permission(permission) == "Affected"
    return permission


def test_a_model_with_an_effect_casbin_cannot_run_is_refused(sdk):
    bad = RBAC.replace("some(where (p.eft == allow))", "subjectPriority(p.eft) || deny")
    answer = sdk.add_model(model("bad", bad))
    assert answer["status"] == "error"
    assert "unsupported policy effect" in answer["msg"]
    assert "bad" not in [m.name for m in sdk.get_models()]


def test_enforce_and_batch_enforce(sdk, grants):
    assert allowed(sdk, "acme/fay") is True
    assert allowed(sdk, "acme/fay", act="write") is False
    assert allowed(sdk, "acme/gus") is False
    assert sdk.enforce("", "acme/rbac", "", "", "", ["acme/fay", "doc1", "read"]) is True
    assert sdk.enforce("", "", "", "", "acme", ["acme/fay", "doc1", "read"]) is True
    batch = [["acme/fay", "doc1", "read"], ["acme/fay", "doc2", "read"], ["acme/gus", "doc1", "read"]]
    assert sdk.batch_enforce("acme/read-docs", "", "", "", batch) == [True, False, False]


def test_role_changes_are_seen_by_the_next_enforce(sdk, grants):
    assert allowed(sdk, "acme/gus") is False
    assert sdk.assign_role_to_user("gus", "reader")["data"] == "Affected"
    assert allowed(sdk, "acme/gus") is True
    assert [r.name for r in sdk.get_user_roles("gus")] == ["reader"]
    assert sdk.remove_role_from_user("gus", "reader")["data"] == "Affected"
    assert allowed(sdk, "acme/gus") is False


def test_permission_changes_are_seen_by_the_next_enforce(sdk, grants):
    permission = sdk.get_permission("acme/read-docs")
    assert (permission.model, permission.effect, permission.resources) == ("rbac", "Allow", ["doc1"])
    permission.actions = ["read", "write"]
    assert sdk.update_permission(permission) == "Affected"
    assert allowed(sdk, "acme/fay", act="write") is True
    permission.actions = ["read"]
    assert sdk.update_permission(permission) == "Affected"
    assert allowed(sdk, "acme/fay", act="write") is False
    assert [p.name for p in sdk.get_permissions_by_role("reader")] == ["read-docs"]


def test_lists_and_pages(sdk, grants):
    assert sdk.add_role(role("editor", roles=["acme/reader"]))["data"] == "Affected"
    roles, total = sdk.get_pagination_roles(1, 1)
    assert (len(roles), total) == (1, 2)
    assert sorted(r.name for r in sdk.get_roles()) == ["editor", "reader"]
    assert sdk.get_role("editor").roles == ["acme/reader"]
    assert [p.name for p in sdk.get_permissions()] == ["read-docs"]
    assert "rbac" in [m.name for m in sdk.get_models()]
    assert sdk.get_model("rbac").modelText == RBAC
    assert sdk.delete_role(sdk.get_role("editor"))["data"] == "Affected"
    assert [r.name for r in sdk.get_roles()] == ["reader"]


def test_groups_and_enforcers(sdk, grants):
    group = Group.new(owner="acme", name="staff", created_time="", display_name="Staff")
    assert sdk.add_group(group) == "Affected"
    got = sdk.get_group("acme/staff")
    assert (got.displayName, got.isTopGroup, got.parentId) == ("Staff", True, "acme")
    assert [g.name for g in sdk.get_groups()] == ["staff"]
    enforcer = Enforcer.new(
        owner="acme", name="docs", created_time="", display_name="Docs", description="",
        model="acme/rbac", adapter="",
    )
    assert sdk.add_enforcer(enforcer)["data"] == "Affected"
    assert sdk.get_enforcer("acme/docs").model == "acme/rbac"
    assert sdk.enforce("", "", "", "acme/docs", "", ["acme/fay", "doc1", "read"]) is True
    assert sdk.delete_group(got) == "Affected"


def test_another_organization_is_out_of_reach(sdk_for, grants):
    # The same application credentials, asking about an organization they do not belong to.
    other = sdk_for("built-in")
    with pytest.raises(Exception, match="may not"):
        other.get_roles()
    with pytest.raises(Exception, match="may not"):
        other.get_permissions()
    with pytest.raises(ValueError):
        other.enforce("", "", "", "", "built-in", ["built-in/admin", "x", "read"])


def test_policy_endpoints_on_an_enforcer(sdk, grants):
    from casdoor.policy import Policy

    enforcer = Enforcer.new(
        owner="acme", name="rules", created_time="", display_name="Rules", description="",
        model="acme/rbac", adapter="",
    )
    assert sdk.add_enforcer(enforcer)["data"] == "Affected"
    # The permissions' rules of the enforcer's model come first.
    rules = sdk.get_policies("rules")
    assert any(r.ptype == "g" and (r.v0, r.v1) == ("acme/fay", "acme/reader") for r in rules)
    ask = ["acme/gus", "doc7", "read"]
    assert sdk.enforce("", "", "", "acme/rules", "", ask) is False
    mine = Policy.new("p", "acme/gus", "doc7", "read")
    assert sdk.add_policy(enforcer, mine)["data"] == "Affected"
    assert sdk.add_policy(enforcer, mine)["data"] == "Unaffected"
    assert sdk.enforce("", "", "", "acme/rules", "", ask) is True
    found = sdk.get_filtered_policies("rules", [{"ptype": "p", "fieldIndex": 1, "fieldValues": ["doc7"]}])
    assert [(r.v0, r.v1, r.v2) for r in found] == [("acme/gus", "doc7", "read")]
    moved = Policy.new("p", "acme/gus", "doc8", "read")
    assert sdk.update_policy(enforcer, mine, moved)["data"] == "Affected"
    assert sdk.enforce("", "", "", "acme/rules", "", ask) is False
    assert sdk.remove_policy(enforcer, moved)["data"] == "Affected"
    assert sdk.enforce("", "", "", "acme/rules", "", ["acme/gus", "doc8", "read"]) is False
    # Another organization's enforcer is out of reach.
    with pytest.raises(Exception, match="may not"):
        sdk.get_policies("built-in/rules")
