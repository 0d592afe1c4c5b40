#!/usr/bin/env python3
"""Writes init_data.json: a Casdoor dump (object/init_data_dump.go) shaped like Casdoor's
structs, with password hashes made by the reference algorithms (Python's hashlib, bcrypt,
argon2-cffi), RSA certificates as Casdoor makes them (PKCS#1 key, self-signed X.509) and
an access token signed the way Casdoor signs one (RS256, kid = cert name, jti = admin/<token>).

    python3 -m venv /tmp/v && /tmp/v/bin/pip install bcrypt argon2-cffi cryptography pyjwt
    /tmp/v/bin/python make_dump.py     # then commit init_data.json

The integration test (casdoor_import.rs) signs each user in with the password below.
"""

import base64
import datetime
import hashlib
import json
import os

import argon2
import bcrypt
import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

HERE = os.path.dirname(os.path.abspath(__file__))
ISSUER = "https://door.example.com"  # the test server's origin
ORG_SALT = "org-salt-1"
APPID = "wx1111111111111111"  # the test kit's first emulated mini program
CREATED = "2026-08-01T10:00:00+08:00"
RBAC = ("[request_definition]\nr = sub, obj, act\n\n[policy_definition]\np = sub, obj, act\n\n"
        "[role_definition]\ng = _, _\n\n[policy_effect]\ne = some(where (p.eft == allow))\n\n"
        "[matchers]\nm = g(r.sub, p.sub) && r.obj == p.obj && r.act == p.act")


def hexd(algo, s):
    return hashlib.new(algo, s.encode()).hexdigest()


def salted(algo, password, salt):
    return hexd(algo, hexd(algo, password) + salt)


def pbkdf2_keycloak(password, salt_b64):
    key = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt_b64), 27500, 64)
    return base64.b64encode(key).decode()


def pbkdf2_django(password, salt, iterations=260000):
    key = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations, 32)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(key).decode()}"


def argon2id(password):
    return argon2.PasswordHasher(time_cost=1, memory_cost=65536, parallelism=2).hash(password)


def openid_for(appid, user):
    """The WeChat emulator's openid of `user` in `appid` (crates/wechat/src/emulator/world.rs)."""
    digest = hashlib.sha256(f"openid|{appid}|{user}".encode()).digest()
    return "o" + base64.urlsafe_b64encode(digest).decode().rstrip("=")[:27]


def unionid_for(user):
    digest = hashlib.sha256(f"unionid|{user}".encode()).digest()
    return "u" + base64.urlsafe_b64encode(digest).decode().rstrip("=")[:27]


def cert(name):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Casdoor Organization"),
                         x509.NameAttribute(NameOID.COMMON_NAME, "Casdoor Cert")])
    now = datetime.datetime(2026, 8, 1, tzinfo=datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                   .public_key(key.public_key()).serial_number(1234)
                   .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=3650 * 2))
                   .sign(key, hashes.SHA256()))
    pem_key = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    return key, {
        "owner": "admin", "name": name, "createdTime": CREATED, "displayName": name, "scope": "JWT",
        "type": "x509", "cryptoAlgorithm": "RS256", "bitSize": 2048, "expireInYears": 20,
        "certificate": certificate.public_bytes(serialization.Encoding.PEM).decode(),
        "privateKey": pem_key,
    }


def user(name, password, password_type, password_salt="", **extra):
    u = {
        "owner": "acme", "name": name, "createdTime": CREATED, "updatedTime": "", "deletedTime": "",
        "id": f"00000000-0000-4000-8000-{hashlib.sha256(name.encode()).hexdigest()[:12]}", "externalId": "",
        "type": "normal-user", "password": password, "passwordSalt": password_salt,
        "passwordType": password_type, "displayName": name.title(), "firstName": "", "lastName": "",
        "avatar": "", "avatarType": "", "permanentAvatar": "", "email": f"{name}@example.com",
        "emailVerified": True, "phone": "", "countryCode": "CN", "region": "", "location": "",
        "address": [], "affiliation": "", "title": "", "idCardType": "", "idCard": "",
        "homepage": "", "bio": "", "tag": "", "language": "", "gender": "", "birthday": "",
        "education": "", "score": 2000, "karma": 0, "ranking": 1, "balance": 0,
        "currency": "", "isDefaultAvatar": False, "isOnline": False, "isAdmin": False,
        "isForbidden": False, "isDeleted": False, "signupApplication": "acme-app", "hash": "",
        "preHash": "", "accessKey": "", "accessSecret": "", "createdIp": "", "lastSigninTime": "",
        "lastSigninIp": "", "github": "", "google": "", "qq": "", "wechat": "", "facebook": "",
        "dingtalk": "", "weibo": "", "gitee": "", "linkedin": "", "wecom": "", "lark": "",
        "gitlab": "", "ldap": "", "properties": {}, "roles": [], "permissions": [], "groups": [],
        "lastSigninWrongTime": "", "signinWrongTimes": 0, "managedAccounts": None,
        "mfaAccounts": None, "needUpdatePassword": False, "ipWhitelist": "",
    }
    u.update(extra)
    return u


# Plaintext passwords the test signs in with (fixed, so the test can name them).
PASSWORDS = {
    "plain": "plain-Passw0rd",
    "sha256": "sha256-Passw0rd",
    "sha256user": "sha256-user-Passw0rd",
    "sha512": "sha512-Passw0rd",
    "md5": "md5-Passw0rd",
    "bcrypt": "bcrypt-Passw0rd",
    "pbkdf2": "pbkdf2-Passw0rd",
    "argon": "argon2-Passw0rd",
    "argonpep": "argon2-pepper-Passw0rd",
    "django": "django-Passw0rd",
}

built_in_key, built_in_cert = cert("cert-built-in")
acme_key, acme_cert = cert("cert-acme")
user_salt = base64.b64encode(b"keycloak-salt-16").decode()
users = [
    user("plain", PASSWORDS["plain"], "plain"),
    user("sha256", salted("sha256", PASSWORDS["sha256"], ORG_SALT), "salt"),
    user("sha256user", salted("sha256", PASSWORDS["sha256user"], "user-salt-9"), "sha256-salt", "user-salt-9"),
    user("sha512", salted("sha512", PASSWORDS["sha512"], ORG_SALT), "sha512-salt"),
    user("md5", salted("md5", PASSWORDS["md5"], "md5-user-salt"), "md5-salt", "md5-user-salt"),
    user("bcrypt", bcrypt.hashpw(PASSWORDS["bcrypt"].encode(), bcrypt.gensalt(10)).decode(), "bcrypt"),
    user("pbkdf2", pbkdf2_keycloak(PASSWORDS["pbkdf2"], user_salt), "pbkdf2-salt", user_salt),
    user("argon", argon2id(PASSWORDS["argon"]), "argon2id"),
    user("argonpep", argon2id("pep" + PASSWORDS["argonpep"]), "argon2id", "pep|m=65536|t=1|p=2"),
    user("django", pbkdf2_django(PASSWORDS["django"], "djangosalt"), "pbkdf2-django"),
    user("weird", "x", "sha1-custom"),
    user("bad name", "x", "plain"),
    # A mini-program user as Casdoor creates one: wechat = openid, no password.
    user("wechat-" + openid_for(APPID, "wendy"), "", "", wechat=openid_for(APPID, "wendy"),
         email="", properties={"wechatOpenId": openid_for(APPID, "wendy"), "wechatUnionId": unionid_for("wendy")}),
]
# A mini-program user's accounts are in the organization's WeChat app; the admin is Casdoor's.
admin_user = user("admin", "123", "plain", owner="built-in", isAdmin=True, signupApplication="app-built-in")

CLIENT_ID = "0ba528121ea87b3eb54d"
now = int(datetime.datetime.fromisoformat(CREATED).timestamp())
token_name = "6b7d2d2a-0d3c-4a4e-8a3e-casdoortoken"
claims = {
    "owner": "acme", "name": "bcrypt", "id": users[5]["id"], "type": "normal-user",
    "displayName": "Bcrypt", "email": "bcrypt@example.com", "tokenType": "access-token",
    "scope": "read", "azp": CLIENT_ID, "iss": ISSUER, "sub": users[5]["id"], "aud": [CLIENT_ID],
    "exp": now + 10 * 365 * 86400, "nbf": now, "iat": now, "jti": f"admin/{token_name}",
}
access_token = jwt.encode(claims, acme_key, algorithm="RS256", headers={"kid": "cert-acme"})

dump = {
    "organizations": [
        {"owner": "admin", "name": "built-in", "createdTime": CREATED, "displayName": "Built-in Organization",
         "websiteUrl": "", "favicon": "", "passwordType": "plain", "passwordSalt": "", "passwordOptions": ["AtLeast6"],
         "countryCodes": ["US"], "defaultAvatar": "", "defaultApplication": "", "tags": [], "languages": ["en"],
         "masterPassword": "", "initScore": 2000, "enableSoftDeletion": False, "isProfilePublic": False,
         "accountItems": []},
        {"owner": "admin", "name": "acme", "createdTime": CREATED, "displayName": "Acme",
         "websiteUrl": "https://acme.example.com", "favicon": "", "passwordType": "bcrypt",
         "passwordSalt": ORG_SALT, "passwordOptions": [], "countryCodes": ["CN"], "defaultAvatar": "",
         "defaultApplication": "acme-app", "tags": [], "languages": ["zh"], "masterPassword": "",
         "initScore": 0, "enableSoftDeletion": False, "isProfilePublic": False, "accountItems": []},
    ],
    "applications": [
        {"owner": "admin", "name": "acme-app", "createdTime": CREATED, "displayName": "Acme App", "logo": "",
         "homepageUrl": "", "description": "", "organization": "acme", "cert": "cert-acme",
         "enablePassword": True, "enableSignUp": True, "enableSigninSession": False, "enableAutoSignin": False,
         "enableCodeSignin": False, "enableSamlCompress": False, "enableWebAuthn": False,
         "enableLinkWithEmail": False, "orgChoiceMode": "", "samlReplyUrl": "",
         "providers": [{"owner": "", "name": "provider-acme-mini", "canSignUp": True, "canSignIn": True,
                        "canUnlink": True, "prompted": False, "signupGroup": "", "rule": "None", "provider": None}],
         "signinMethods": [], "signupItems": [], "grantTypes": ["authorization_code", "password", "refresh_token"],
         "organizationObj": None, "tags": [], "clientId": CLIENT_ID,
         "clientSecret": "6b9fbd1c2a1f7b2c3d4e5f60718293a4b5c6d7e8", "redirectUris": ["https://acme.example.com/callback"],
         "tokenFormat": "JWT", "tokenFields": [], "expireInHours": 168, "refreshExpireInHours": 168,
         "signupUrl": "", "signinUrl": "", "forgetUrl": "", "affiliationUrl": "", "termsOfUse": "",
         "signupHtml": "", "signinHtml": "", "themeData": None, "formCss": "", "formOffset": 2,
         "formSideHtml": "", "formBackgroundUrl": "", "failedSigninLimit": 5, "failedSigninFrozenTime": 15},
    ],
    "users": [admin_user] + users,
    "certs": [built_in_cert, acme_cert],
    "providers": [
        {"owner": "admin", "name": "provider-acme-mini", "createdTime": CREATED, "displayName": "Acme mini program",
         "category": "OAuth", "type": "WeChatMiniProgram", "subType": "", "method": "Normal",
         "clientId": APPID, "clientSecret": "secret-one-0000000000000000000000", "clientId2": "",
         "clientSecret2": "", "cert": "", "customAuthUrl": "", "customTokenUrl": "", "customUserInfoUrl": "",
         "customLogo": "", "scopes": "", "userMapping": None, "host": "", "port": 0, "disableSsl": False,
         "title": "", "content": "", "receiver": "", "regionId": "", "signName": "", "templateCode": "",
         "appId": "", "endpoint": "", "intranetEndpoint": "", "domain": "", "bucket": "", "pathPrefix": "",
         "metadata": "", "idP": "", "issuerUrl": "", "enableSignAuthnRequest": False, "providerUrl": ""},
    ],
    "ldaps": [],
    # Authorization: a model, one that does not parse (skipped), a permission by group and
    # role, a group, an adapter and an enforcer.
    "models": [{"owner": "acme", "name": "rbac", "createdTime": CREATED, "displayName": "RBAC",
                "description": "", "modelText": RBAC},
               {"owner": "acme", "name": "broken", "createdTime": CREATED, "displayName": "Broken",
                "description": "", "modelText": "[request_definition]\nr = sub, obj, act"}],
    "permissions": [{"owner": "acme", "name": "staff-read", "createdTime": CREATED, "displayName": "Staff read",
                     "description": "", "users": [], "groups": ["acme/readers"], "roles": ["acme/staff"],
                     "domains": [], "model": "rbac", "adapter": "", "resourceType": "Application",
                     "resources": ["doc1"], "actions": ["read"], "effect": "Allow", "isEnabled": True,
                     "submitter": "admin", "approver": "", "approveTime": "", "state": "Approved"}],
    "payments": [], "products": [], "resources": [],
    "roles": [{"owner": "acme", "name": "staff", "createdTime": CREATED, "displayName": "Staff",
               "users": ["acme/bcrypt"], "roles": [], "domains": [], "isEnabled": True}],
    "syncers": [],
    "tokens": [
        {"owner": "admin", "name": token_name, "createdTime": CREATED, "application": "acme-app",
         "organization": "acme", "user": "bcrypt", "code": "", "accessToken": access_token,
         "refreshToken": "", "accessTokenHash": hashlib.sha256(access_token.encode()).hexdigest(),
         "refreshTokenHash": "", "expiresIn": 10 * 365 * 86400, "scope": "read", "tokenType": "Bearer",
         "codeChallenge": "", "codeIsUsed": True, "codeExpireIn": 0},
    ],
    "webhooks": [],
    "groups": [{"owner": "acme", "name": "readers", "createdTime": CREATED, "updatedTime": "",
                "displayName": "Readers", "manager": "", "contactEmail": "", "type": "Virtual",
                "parentId": "acme", "parentName": "", "isTopGroup": True, "users": None, "title": "",
                "key": "", "haveChildren": False, "children": None, "isEnabled": True}],
    "adapters": [{"owner": "acme", "name": "adapter-1", "createdTime": CREATED, "table": "casbin_rule",
                  "useSameDb": True, "type": "Database", "databaseType": "mysql", "host": "", "port": 0,
                  "user": "", "password": "", "database": ""}],
    "enforcers": [{"owner": "acme", "name": "enforcer-1", "createdTime": CREATED, "updatedTime": "",
                   "displayName": "Enforcer 1", "description": "", "model": "acme/rbac",
                   "adapter": "acme/adapter-1", "isEnabled": True}],
    "plans": [], "pricings": [],
    "invitations": [], "records": [],
    "sessions": [{"owner": "acme", "name": "bcrypt", "application": "acme-app", "createdTime": CREATED,
                  "sessionId": ["a1b2c3"]}],
    "subscriptions": [], "transactions": [], "enforcerPolicies": {},
}

with open(os.path.join(HERE, "init_data.json"), "w") as f:
    json.dump(dump, f, indent=2)
    f.write("\n")
with open(os.path.join(HERE, "passwords.json"), "w") as f:
    json.dump({"passwords": PASSWORDS, "accessToken": access_token, "issuer": ISSUER,
               "wechatUser": "wechat-" + openid_for(APPID, "wendy")}, f, indent=2)
    f.write("\n")
