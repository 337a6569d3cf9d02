#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""ghsim: a stateful local GitHub REST simulator for glow's tests.

Python 3 standard library only.  It behaves as /work/shared/GITHUB-FACTS.md
(and GitHub's REST documentation) says GitHub behaves, closely enough that a
client which passes against it has met every documented rule: real RS256 JWT
verification, expiring installation tokens, 404 for what a token cannot see,
asynchronous template generation, rate-limit headers, ETags and 304s, a
scaled-down secondary content-creation limit, and injected faults.

RUNNING

    python3 t/ghsim.py --config FILE.json --port-file FILE [--tls CERT KEY]
                       [--die-with-parent]

Binds 127.0.0.1 on an ephemeral port, writes the port number to the port file
(atomically, once listening) and serves until SIGTERM or SIGINT.  With --tls
it speaks HTTPS (certificate for "localhost").  --die-with-parent makes it
exit when the process that started it exits (t/sim.sh uses it, so a
simulator started inside a test body cannot outlive the body).  Shell tests
use t/sim.sh (sim_start, sim_ctl, sim_count, ...) rather than this directly.

CONFIGURATION (JSON; every key optional; t/sim-default.json is the default)

    apps            [{"id":1001, "client_id":"Iv1.x", "slug":"glow-test-app",
                      "name":"...", "public_key_pem":"-----BEGIN PUBLIC KEY..."}]
                    The key may be SPKI ("PUBLIC KEY"), PKCS#1 public or
                    private, or PKCS#8 private PEM; "public_key_file" names a
                    file instead.
    installations   [{"id":42, "app_id":1001,
                      "account":{"login":"glow-org","type":"Organization"},
                      "repository_selection":"all" | "selected",
                      "repositories":["glow-org/x"]   (when "selected"),
                      "permissions":{"administration":"write", ...}}]
    tokens          {"ghp_statictoken": {"installation_id":42,
                      "user":"alice" (optional: author of created content),
                      "permissions":{...}, "repositories":["owner/name"]}}
                    Static tokens never expire.
    users           ["alice", ...]           user accounts
    orgs            ["glow-org", ...]        organisations (installation
                    accounts and unknown repository owners are added)
    repos           [{"full_name":"o/r", "private":true, "is_template":false,
                      "description":"", "files":{"path":"text"}}]
    template_delay_max 0   when above template_delay, each generated
                           repository's content arrives at a random time
                           between the two
    replication_lag 0      seconds after generation during which every
                           request to the new repository answers 404 (GitHub's
                           read-after-write lag)
    template_delay  0.3    seconds before a generated repository's content
                           appears (contents 404, git endpoints 409 before)
    token_ttl       3600   installation token lifetime, seconds
    content_limit   {"per_window":80, "window":60, "hourly":500, "hour":3600,
                     "retry_after":true}   secondary content-creation limit
                           per rate-limit identity (see LIMITS)
    primary_limit   5000   requests per primary_window per identity
    primary_window  3600
    per_page_default 30
    invitation_ttl  604800 seconds until an invitation reads "expired": true
    invitation_limit 50    invitations per repository per 24 hours
    latency         0      seconds added before every API answer
    clock_offset    0      seconds added to the simulator's clock (JWT skew)
    enforce_workflows_permission false   if true, writing .github/workflows/*
                           through the contents API needs the "workflows"
                           permission, as on real GitHub

AUTHENTICATION

    "Authorization: Bearer X" or "token X".  A three-part X is a JWT: RS256
    checked against the app's key; iss = app id (number or string) or client
    id; iat at most 60 s ahead; exp in the future, at most 600 s ahead and at
    most 660 s after iat.  Failures answer 401 with GitHub's messages ("A JSON
    web token could not be decoded", "'Expiration time' claim ('exp') must be
    a numeric value ...", "'Expiration time' claim ('exp') is too far in the
    future", "'Issued at' claim ('iat') must be an Integer ..."); an unknown
    iss answers 404 "Integration not found".  JWTs are for /app* and the
    /repos|orgs|users/X/installation endpoints; elsewhere they get 403
    "Resource not accessible by integration".  A token on a JWT endpoint gets
    401 "A JSON web token could not be decoded".  Installation tokens (ghs_...)
    expire after token_ttl and are checked on every call: expired or revoked
    -> 401 "Bad credentials".  No Authorization: public repositories are
    readable, everything else 401 "Requires authentication".  A request
    without User-Agent gets 403, as on GitHub.

LIMITS

    The rate-limit identity is the installation (for installation and static
    tokens: GitHub counts per installation, so a fresh token does not reset
    the budget), the app (JWT), or "anonymous" (60 per window).  Every answer
    carries x-ratelimit-limit/-remaining/-used/-reset/-resource; a 304 and
    GET /rate_limit do not count.  Exhausted: 403, x-ratelimit-remaining: 0,
    "API rate limit exceeded for installation ID 42. ...".
    Content creation (POST generate, PUT collaborators, POST issues, POST
    comments, PUT contents) is limited per identity to per_window per window
    seconds and hourly per hour seconds (sliding windows; every attempt that
    passes authentication counts): beyond that 403 "You have exceeded a
    secondary rate limit. ..." with retry-after = whole seconds until the
    window frees (omitted if content_limit.retry_after is false).  Counted in
    state "secondary_limited".

ENDPOINTS (GitHub's shapes; lists paginated with per_page <= 100, page, Link
rel="next"/"last"/"prev"/"first" on the request's own base URL; GETs carry a
weak ETag and answer If-None-Match with 304)

    GET    /app, /app/installations, /app/installations/{id}
    POST   /app/installations/{id}/access_tokens   (repositories,
           repository_ids, permissions narrowing; 422 beyond the installation)
    GET    /repos/{o}/{r}/installation, /orgs/{o}/installation,
           /users/{u}/installation                  (404 when not installed)
    DELETE /installation/token
    GET    /installation/repositories, /rate_limit, /users/{u}, /orgs/{o}
    GET    /orgs/{o}/repos, /users/{u}/repos
    GET    /repos/{o}/{r}   DELETE /repos/{o}/{r}
    POST   /repos/{o}/{r}/generate      (201 + Location; 422 clash / not a
           template; content after template_delay; "private" defaults to
           false and "owner" to the template's owner, as on GitHub; needs
           an installation on that owner with administration write)
    GET|PUT|DELETE /repos/{o}/{r}/contents/{path}   (?ref=; raw media type)
    GET    /repos/{o}/{r}/git/ref/heads/{b}, /git/refs/heads[/{b}],
           /git/trees/{sha|branch}[?recursive=1], /git/commits/{sha},
           /commits, /commits/{ref}, /branches, /branches/{b}
    GET    /repos/{o}/{r}/collaborators[/{u}]   PUT|DELETE .../collaborators/{u}
           (PUT: 201 + invitation, or the live invitation again; 204 if
           already a collaborator; 404 unknown user; 422 bad permission)
    GET    /repos/{o}/{r}/invitations   DELETE /repos/{o}/{r}/invitations/{id}
    GET|POST /repos/{o}/{r}/issues   GET|PATCH /repos/{o}/{r}/issues/{n}
    GET|POST /repos/{o}/{r}/issues/{n}/comments   GET /repos/{o}/{r}/issues/comments
    GET|PATCH /repos/{o}/{r}/issues/comments/{id}   GET .../git/blobs/{sha}
    GET|POST|PUT /repos/{o}/{r}/issues/{n}/labels  DELETE .../labels/{name}
    GET    /repos/{o}/{r}/pulls, /pulls/{n} (Accept ...diff: the diff, 406
           above 300 files), /pulls/{n}/files (at most 3000)
    POST   /repos/{o}/{r}/dispatches  repository_dispatch (204; 422 past 10
           client_payload keys or 65,535 characters)
    POST   /repos/{o}/{r}/actions/workflows/{file}/dispatches  204 when the
           file declares workflow_dispatch and each input; 404 no such
           workflow; 422 unknown ref or undeclared input
    GET    /app/hook/deliveries  (JWT) the App's deliveries, newest first,
           cursor pagination (Link rel="next" with cursor)
    POST   /app/hook/deliveries/{id}/attempts  (JWT) redeliver: 202, a new
           attempt of the same guid (redelivery: true; status_code from
           the config's redelivery_status, default 202)
    GET    /repos/{o}/{r}/compare/{base}...{head}  three-dot: files from the
           merge base to head on page 1 only (at most 300), status
           ahead|behind|identical|diverged, commits 250 a page
    /repositories/{id}/...  serves the repository with that id; a renamed
    repository's old path answers 301 (GET) or 307 to it.
    Unknown route: 404 {"message":"Not Found"}; a body that is not JSON:
    400 "Problems parsing JSON".

CONTROL API (no authentication, never logged, never limited)

    GET    /_sim/requests[?method=M&path=REGEX]   the request log: [{id,
           method, path, query, status, auth: "jwt"|"token"|"none"|"bad",
           time, body, fault?, limited?}]; status 0 = connection reset.
           REGEX is Python re.search over the path (no query string).
    DELETE /_sim/requests
    POST   /_sim/faults  {"method":"GET" (or "*"), "path":"REGEX", "kind":K,
           "times":1 (-1 = for ever), "skip":0 (let that many matches pass
           first), "status":502, "retry_after":2, "delay":1.5, "body":"..."}
           K: status (answer "status", default 502), reset (RST without an
           answer; note libcurl silently resends once on a reused
           connection, so that counts two requests), truncate (200 headers
           promising 4096 bytes, a few body bytes, then RST: libcurl never
           resends it; curl exits 18 or 56), slow (sleep "delay", default
           1, then answer normally), secondary (403 secondary-limit message,
           retry-after if given), secondary429 (same with 429), primary (403,
           x-ratelimit-remaining 0, reset now+retry_after (default 60)),
           plain403 ("Resource not accessible by integration"), badjson (200
           with a truncated JSON body), lost (the request takes effect, then
           its answer is lost: "status", default 502, is sent instead; the
           log keeps the real one as lost_status).  "delay" applies to
           every kind.
           Faults act before authentication and are not counted against any
           limit.  -> 201 {"id":N}
    GET    /_sim/faults   DELETE /_sim/faults
    GET    /_sim/state    {"repos":{"o/r":{id, private, is_template, ready,
           head_sha, files:{path:text}, collaborators:[], invitations:[{id,
           invitee, permissions, expired}], issues:[{number, title, state,
           labels, user, body, pull_request, comments:[{id, user, body}]}]}},
           "generate_counts":{"o/r":N} (every generate call for that target),
           "generated":{"o/r":N} (successful ones), "secondary_limited",
           "primary_limited", "tokens_issued", "users":[...],
           "installations":[...], "config":{...}}
    POST   /_sim/state    one op object, or an array of them, or
           {"ops":[...]}; answers {"results":[...]}:
           {"op":"add_repo", "full_name", "private", "is_template",
                 "description", "files":{...}}
           {"op":"delete_repo", "repo"}  {"op":"rename_repo", "repo", "name"}
           {"op":"set_files", "repo", "files":{...}}   (replaces all files)
           {"op":"add_hook_delivery", "guid", "status_code", "event",
                 "action", "delivered_at", "redelivery"}   -> {"id"}
           {"op":"put_file", "repo", "path", "content"}
           {"op":"delete_file", "repo", "path"}
           {"op":"expire_invitation", "repo", "user" | "id"}
           {"op":"accept_invitation", "repo", "user" | "id"}
           {"op":"add_collaborator"|"remove_collaborator", "repo", "user"}
           {"op":"add_issue", "repo", "title", "body", "user", "labels",
                 "state", "comments":[{"user","body"}]}  -> {"number"}
           {"op":"add_pull", "repo", "title", "body", "user", "state",
                 "merged", "head", "base", "files":[{"filename", "status",
                 "additions", "deletions", "patch"}] | "file_count":N}
           {"op":"add_comment", "repo", "number", "body", "user"} -> {"id"}
           {"op":"add_label", "repo", "number", "labels":[...]}
           {"op":"set_issue", "repo", "number", "state", "title", "body"}
           {"op":"delete_issue", "repo", "number"}   (gone from every listing
                 and 404 after, as an issue deleted on GitHub)
           {"op":"add_user", "login"}   {"op":"add_org", "login"}
           {"op":"uninstall", "installation_id"}
           {"op":"add_installation", ...installation object...}
           {"op":"expire_tokens"} (every issued token; or "token":X)
           {"op":"reset_limits"}
           {"op":"set_config", <any configuration key>: value}
    GET    /_sim/health   {"ok":true}
"""

import base64
import bisect
import hashlib
import hmac
import json
import math
import os
import random
import re
import secrets
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

DOC = "https://docs.github.com/rest"
GITHUB = "https://github.com"
SECONDARY_MSG = ("You have exceeded a secondary rate limit. Please wait a few "
                 "minutes before you try again. If you reach out to GitHub "
                 "Support for help, please include the request ID %s.")
NO_UA_MSG = ("Request forbidden by administrative rules. Please make sure "
             "your request has a User-Agent header "
             "(https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). "
             "Check https://developer.github.com for other possible causes.\n")
PERM_LEVELS = {"read": 1, "write": 2, "admin": 3}
COLLAB_PERMS = {"pull": "read", "triage": "triage", "push": "write",
                "maintain": "maintain", "admin": "admin"}
REPO_NAME_RE = re.compile(r"[A-Za-z0-9._-]{1,100}")

# The REST API versions GitHub serves (GITHUB-FACTS.md, "Requests").
API_VERSIONS = ("2022-11-28", "2026-03-10")

DEFAULTS = {
    "template_delay": 0.3,
    "template_delay_max": 0,
    "replication_lag": 0,
    "token_ttl": 3600,
    "content_limit": {"per_window": 80, "window": 60, "hourly": 500,
                      "hour": 3600, "retry_after": True},
    "primary_limit": 5000,
    "primary_window": 3600,
    "per_page_default": 30,
    "invitation_ttl": 604800,
    "invitation_limit": 50,
    "latency": 0,
    "clock_offset": 0,
    "enforce_workflows_permission": False,
}


class HTTPError(Exception):
    def __init__(self, status, message, errors=None, headers=None, doc=DOC,
                 raw=None):
        Exception.__init__(self, message)
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers or []
        self.doc = doc
        self.raw = raw

    def body(self):
        if self.raw is not None:
            return self.raw
        b = {"message": self.message}
        if self.errors is not None:
            b["errors"] = self.errors
        if self.doc:
            b["documentation_url"] = self.doc
        return b


def not_found():
    return HTTPError(404, "Not Found")


def forbidden_integration():
    return HTTPError(403, "Resource not accessible by integration")


def validation_failed(resource, field, code="missing_field", message=None):
    e = {"resource": resource, "code": code, "field": field}
    if message:
        e["message"] = message
    return HTTPError(422, "Validation Failed", errors=[e])


# ---------------------------------------------------------------------------
# DER, PEM and RS256, with Python integers.

RSA_OID = bytes.fromhex("2a864886f70d010101")           # 1.2.840.113549.1.1.1
SHA256_DIGESTINFO = bytes.fromhex("3031300d060960864801650304020105000420")


def der_tlv(data, pos):
    """One DER element at pos: (tag, content bytes, position after it)."""
    if pos + 2 > len(data):
        raise ValueError("truncated DER")
    tag = data[pos]
    n = data[pos + 1]
    pos += 2
    if n & 0x80:
        k = n & 0x7F
        if k == 0 or k > 4 or pos + k > len(data):
            raise ValueError("bad DER length")
        n = int.from_bytes(data[pos:pos + k], "big")
        pos += k
    if pos + n > len(data):
        raise ValueError("truncated DER")
    return tag, data[pos:pos + n], pos + n


def der_seq(data, tag=0x30):
    """The elements of the DER SEQUENCE that data holds."""
    t, body, _ = der_tlv(data, 0)
    if t != tag:
        raise ValueError("not a DER SEQUENCE")
    out, pos = [], 0
    while pos < len(body):
        t, v, pos = der_tlv(body, pos)
        out.append((t, v))
    return out


def der_uint(elem):
    t, v = elem
    if t != 0x02:
        raise ValueError("not a DER INTEGER")
    return int.from_bytes(v, "big")


def pem_decode(pem):
    m = re.search(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", pem, re.S)
    if not m:
        raise ValueError("no PEM block")
    return m.group(1), base64.b64decode("".join(m.group(2).split()))


def rsa_public_numbers(pem):
    """(n, e) from an SPKI, PKCS#1 public, PKCS#1 private or PKCS#8 PEM."""
    pem = pem.replace("\\n", "\n")
    label, der = pem_decode(pem)
    if label == "PUBLIC KEY":               # SubjectPublicKeyInfo
        algid, bits = der_seq(der)
        if RSA_OID not in algid[1] or bits[0] != 0x03 or bits[1][:1] != b"\0":
            raise ValueError("not an RSA public key")
        f = der_seq(bits[1][1:])
        return der_uint(f[0]), der_uint(f[1])
    if label == "RSA PUBLIC KEY":
        f = der_seq(der)
        return der_uint(f[0]), der_uint(f[1])
    if label == "RSA PRIVATE KEY":
        f = der_seq(der)
        return der_uint(f[1]), der_uint(f[2])
    if label == "PRIVATE KEY":              # PKCS#8 PrivateKeyInfo
        f = der_seq(der)
        if RSA_OID not in f[1][1] or f[2][0] != 0x04:
            raise ValueError("not an RSA private key")
        g = der_seq(f[2][1])
        return der_uint(g[1]), der_uint(g[2])
    raise ValueError("unsupported PEM label " + label)


def rs256_verify(n, e, message, signature):
    """RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017, 8.2.2)."""
    k = (n.bit_length() + 7) // 8
    if len(signature) != k:
        return False
    s = int.from_bytes(signature, "big")
    if s >= n:
        return False
    em = pow(s, e, n).to_bytes(k, "big")
    t = SHA256_DIGESTINFO + hashlib.sha256(message).digest()
    if k < len(t) + 11:
        return False
    want = b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t
    return hmac.compare_digest(em, want)


B64URL_RE = re.compile(r"[A-Za-z0-9_-]*")


def b64url_decode(s):
    if not B64URL_RE.fullmatch(s) or len(s) % 4 == 1:
        raise ValueError("bad base64url")
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


# ---------------------------------------------------------------------------
# Small helpers.

def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def parse_iso(s):
    try:
        import calendar
        return calendar.timegm(time.strptime(s.replace(".000", ""), "%Y-%m-%dT%H:%M:%SZ"))
    except (ValueError, TypeError):
        raise HTTPError(422, "Invalid request.\n\nInvalid time: " + str(s))


def git_blob_sha(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def b64_wrapped(data):
    s = base64.b64encode(data).decode()
    return "".join(s[i:i + 60] + "\n" for i in range(0, len(s), 60))


def to_bytes(content):
    if isinstance(content, bytes):
        return content
    if isinstance(content, dict) and "base64" in content:
        return base64.b64decode(content["base64"])
    return str(content).encode()


def jdump(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def git_tree(files):
    """Build git tree objects for files ({path: bytes}).

    Returns (root sha, {tree sha: node}); a node maps a name to
    ("blob", bytes, sha) or ("tree", node, sha), as git does, so tree and
    blob SHAs are the real git ones."""
    root = {}
    for path, data in files.items():
        parts = path.split("/")
        node = root
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = data
    trees = {}

    def build(d):
        node, body = {}, []
        for name in sorted(d, key=lambda k: k + "/" if isinstance(d[k], dict) else k):
            v = d[name]
            if isinstance(v, dict):
                sub, sha = build(v)
                node[name] = ("tree", sub, sha)
                body.append(b"40000 " + name.encode() + b"\0" + bytes.fromhex(sha))
            else:
                sha = git_blob_sha(v)
                node[name] = ("blob", v, sha)
                body.append(b"100644 " + name.encode() + b"\0" + bytes.fromhex(sha))
        raw = b"".join(body)
        sha = hashlib.sha1(b"tree %d\0" % len(raw) + raw).hexdigest()
        trees[sha] = node
        return node, sha

    _, sha = build(root)
    return sha, trees


class Account:
    def __init__(self, login, typ, ident):
        self.login = login
        self.type = typ
        self.id = ident

    def obj(self, base):
        return {"login": self.login, "id": self.id,
                "node_id": "MDQ6VXNlcj%d" % self.id,
                "avatar_url": "https://avatars.githubusercontent.com/u/%d?v=4" % self.id,
                "url": "%s/users/%s" % (base, self.login),
                "html_url": "%s/%s" % (GITHUB, self.login),
                "repos_url": "%s/users/%s/repos" % (base, self.login),
                "type": self.type, "site_admin": False}


class Repo:
    def __init__(self, sim, owner, name, private, is_template, files,
                 description=None, ready_at=0.0, template=None):
        self.id = sim.next_id()
        self.owner = owner
        self.name = name
        self.private = bool(private)
        self.is_template = bool(is_template)
        self.description = description
        self.ready_at = ready_at
        self.template = template
        self.created = sim.now()
        self.updated = self.created
        self.collaborators = {}         # lower login -> (login, permission)
        self.invitations = []
        self.invitation_times = []
        self.issues = []                # issues and pulls; number = index + 1
        self.labels = {}                # lower name -> label dict
        self.commits = {}               # sha -> commit dict
        self.history = []               # commit shas, oldest first
        self.trees = {}                 # tree sha -> node
        self.files = {}
        self.set_files(sim, files, "Initial commit")

    @property
    def full_name(self):
        return "%s/%s" % (self.owner.login, self.name)

    def ready(self, now):
        return now >= self.ready_at

    def set_files(self, sim, files, message):
        self.files = dict(files)
        tree, trees = git_tree(self.files)
        self.trees.update(trees)
        parent = self.history[-1] if self.history else None
        seed = "%s\0%s\0%d\0%s\0%s" % (self.full_name, tree, len(self.history),
                                       message, parent)
        sha = hashlib.sha1(seed.encode()).hexdigest()
        self.commits[sha] = {"sha": sha, "files": self.files, "tree": tree,
                             "message": message, "parent": parent,
                             "date": iso(sim.now())}
        self.history.append(sha)
        self.updated = sim.now()
        return sha

    @property
    def head(self):
        return self.history[-1]


# ---------------------------------------------------------------------------
# The simulator's state and routes.

class Ctx:
    """One API request."""
    __slots__ = ("method", "path", "query", "qpairs", "body", "headers",
                 "base", "auth", "auth_error", "tok", "app", "identity",
                 "now", "request_id")


class Sim:
    def __init__(self, cfg, tls):
        self.lock = threading.RLock()
        self.tls = tls
        self.conf = json.loads(json.dumps(DEFAULTS))
        for k, v in cfg.items():
            if k == "content_limit":
                self.conf[k].update(v)
            elif k not in ("apps", "installations", "tokens", "users", "orgs", "repos"):
                self.conf[k] = v
        self._id = 100000
        self.accounts = {}
        self.apps = {}
        self.installations = {}
        self.hook_deliveries = []       # the App's, newest last
        self.tokens = {}
        self.repos = {}
        self.repos_by_id = {}
        self.renamed = {}
        self.requests = []
        self.faults = []
        self.fault_id = 0
        self.generate_counts = {}
        self.generated = {}
        self.counters = {"secondary_limited": 0, "primary_limited": 0,
                         "tokens_issued": 0}
        self.primary = {}
        self.content = {}
        self.jwt_cache = {}
        for u in cfg.get("users", []):
            self.add_account(u, "User")
        for o in cfg.get("orgs", []):
            self.add_account(o, "Organization")
        for a in cfg.get("apps", []):
            self.add_app(a)
        for i in cfg.get("installations", []):
            self.add_installation(i)
        for r in cfg.get("repos", []):
            self.add_repo(r)
        for tok, spec in cfg.get("tokens", {}).items():
            self.add_static_token(tok, spec)
        self.routes = self.build_routes()

    # -- state building

    def next_id(self):
        self._id += 1
        return self._id

    def now(self):
        return time.time() + float(self.conf.get("clock_offset") or 0)

    def add_account(self, spec, typ):
        if isinstance(spec, dict):
            login, typ = spec["login"], spec.get("type", typ)
        else:
            login = spec
        acc = self.accounts.get(login.lower())
        if acc is None:
            acc = Account(login, typ, self.next_id())
            self.accounts[login.lower()] = acc
        return acc

    def add_app(self, a):
        pem = a.get("public_key_pem")
        if not pem and a.get("public_key_file"):
            with open(a["public_key_file"]) as f:
                pem = f.read()
        n, e = rsa_public_numbers(pem)
        app = {"id": int(a["id"]), "client_id": a.get("client_id", "Iv1.%d" % int(a["id"])),
               "slug": a.get("slug", "app-%d" % int(a["id"])),
               "name": a.get("name", a.get("slug", "App %d" % int(a["id"]))),
               "owner": a.get("owner"), "n": n, "e": e,
               "created": self.now()}
        app["bot"] = Account(app["slug"] + "[bot]", "Bot", 9000000 + app["id"])
        self.apps[app["id"]] = app
        return app

    def add_installation(self, i):
        acc = i.get("account", {})
        account = self.add_account(acc.get("login"), acc.get("type", "Organization"))
        inst = {"id": int(i["id"]), "app_id": int(i.get("app_id", 0)),
                "account": account,
                "repository_selection": i.get("repository_selection", "all"),
                "repositories": set(r.lower() for r in i.get("repositories", [])),
                "permissions": dict(i.get("permissions", {"metadata": "read"})),
                "created": self.now()}
        self.installations[inst["id"]] = inst
        return inst

    def add_static_token(self, tok, spec):
        inst = self.installations.get(int(spec.get("installation_id", 0)))
        self.tokens[tok] = {
            "installation_id": inst["id"] if inst else None,
            "expires": None, "revoked": False,
            "permissions": dict(spec.get("permissions") or (inst["permissions"] if inst else {})),
            "repos": set(r.lower() for r in spec["repositories"]) if spec.get("repositories") else None,
            "user": spec.get("user")}

    def add_repo(self, r, ready_at=0.0):
        owner_login, name = r["full_name"].split("/", 1)
        if r["full_name"].lower() in self.repos:
            raise HTTPError(422, "repository exists: " + r["full_name"])
        owner = self.accounts.get(owner_login.lower()) or self.add_account(owner_login, "Organization")
        files = {p: to_bytes(c) for p, c in (r.get("files") or {}).items()}
        tmpl = None
        if r.get("template"):
            t = self.repos.get(str(r["template"]).lower())
            if t is None:
                raise HTTPError(404, "no template " + str(r["template"]))
            tmpl = t.id
        repo = Repo(self, owner, name, r.get("private", True), r.get("is_template", False),
                    files, r.get("description"), ready_at, template=tmpl)
        self.repos[repo.full_name.lower()] = repo
        self.repos_by_id[repo.id] = repo
        return repo

    def delete_repo(self, repo):
        self.repos.pop(repo.full_name.lower(), None)
        self.repos_by_id.pop(repo.id, None)
        for inst in self.installations.values():
            inst["repositories"].discard(repo.full_name.lower())

    # -- authentication

    def verify_jwt(self, jwt, now):
        """The app a JWT authenticates, or raise GitHub's 401/404."""
        undecodable = HTTPError(401, "A JSON web token could not be decoded")
        cached = self.jwt_cache.get(jwt)
        if cached is None:
            try:
                h, p, s = jwt.split(".")
                header = json.loads(b64url_decode(h))
                claims = json.loads(b64url_decode(p))
                sig = b64url_decode(s)
            except ValueError:
                raise undecodable
            if not isinstance(header, dict) or header.get("alg") != "RS256" \
                    or not isinstance(claims, dict):
                raise undecodable
            iss = claims.get("iss")
            if iss is None or isinstance(iss, bool):
                raise HTTPError(401, "'Issuer' claim ('iss') must be an Integer")
            app = None
            for a in self.apps.values():
                if str(iss) == str(a["id"]) or str(iss) == a["client_id"]:
                    app = a
                    break
            if app is None:
                raise HTTPError(404, "Integration not found")
            if not rs256_verify(app["n"], app["e"], (h + "." + p).encode(), sig):
                raise undecodable
            if len(self.jwt_cache) > 10000:
                self.jwt_cache.clear()
            cached = self.jwt_cache[jwt] = (app, claims)
        app, claims = cached
        iat, exp = claims.get("iat"), claims.get("exp")
        num = (int, float)
        if not isinstance(iat, num) or isinstance(iat, bool) or iat > now + 60:
            raise HTTPError(401, "'Issued at' claim ('iat') must be an Integer "
                                 "representing the time that the assertion was issued")
        if not isinstance(exp, num) or isinstance(exp, bool) or exp <= now:
            raise HTTPError(401, "'Expiration time' claim ('exp') must be a numeric "
                                 "value representing the future time at which the "
                                 "assertion expires")
        if exp > now + 600 or exp - iat > 660:
            raise HTTPError(401, "'Expiration time' claim ('exp') is too far in the future")
        return app

    def classify(self, ctx):
        """Fill ctx.auth/tok/app/identity from the Authorization header."""
        ctx.tok = ctx.app = ctx.auth_error = None
        ctx.auth = "none"
        ctx.identity = "anonymous"
        h = ctx.headers.get("Authorization")
        if not h:
            return
        scheme, _, cred = h.strip().partition(" ")
        cred = cred.strip()
        if scheme.lower() not in ("bearer", "token") or not cred:
            ctx.auth = "bad"
            ctx.auth_error = HTTPError(401, "Bad credentials")
            return
        if cred.count(".") == 2:
            try:
                ctx.app = self.verify_jwt(cred, ctx.now)
            except HTTPError as e:
                ctx.auth = "bad"
                ctx.auth_error = e
                return
            ctx.auth = "jwt"
            ctx.identity = "app:%d" % ctx.app["id"]
            return
        tok = self.tokens.get(cred)
        if tok is None or tok["revoked"] or (tok["expires"] is not None and tok["expires"] <= ctx.now):
            ctx.auth = "bad"
            ctx.auth_error = HTTPError(401, "Bad credentials")
            return
        if tok["installation_id"] is not None and tok["installation_id"] not in self.installations:
            ctx.auth = "bad"
            ctx.auth_error = HTTPError(401, "Bad credentials")
            return
        ctx.auth = "token"
        ctx.tok = tok
        ctx.identity = ("installation:%d" % tok["installation_id"]
                        if tok["installation_id"] is not None else "token:" + cred[:12])

    # -- limits

    def primary_state(self, ident, now):
        window = float(self.conf["primary_window"])
        st = self.primary.get(ident)
        if st is None or now >= st[0] + window:
            st = self.primary[ident] = [now, 0]
        limit = 60 if ident == "anonymous" else int(self.conf["primary_limit"])
        return st, limit, window

    def rl_headers(self, ident, now):
        st, limit, window = self.primary_state(ident, now)
        return [("x-ratelimit-limit", str(limit)),
                ("x-ratelimit-remaining", str(max(0, limit - st[1]))),
                ("x-ratelimit-reset", str(int(math.ceil(st[0] + window)))),
                ("x-ratelimit-used", str(st[1])),
                ("x-ratelimit-resource", "core")]

    def primary_check(self, ctx):
        st, limit, _ = self.primary_state(ctx.identity, ctx.now)
        if st[1] >= limit:
            self.counters["primary_limited"] += 1
            if ctx.identity.startswith("installation:"):
                who = "installation ID " + ctx.identity.split(":")[1]
            elif ctx.identity.startswith("app:"):
                who = "app ID " + ctx.identity.split(":")[1]
            else:
                who = "127.0.0.1"
            raise HTTPError(403, "API rate limit exceeded for %s. If you reach out "
                                 "to GitHub Support for help, please include the "
                                 "request ID %s and timestamp %s."
                            % (who, ctx.request_id, iso(ctx.now)),
                            doc="https://docs.github.com/rest/overview/rate-limits-for-the-rest-api")

    def count(self, ctx):
        st, _, _ = self.primary_state(ctx.identity, ctx.now)
        st[1] += 1

    def content_check(self, ctx):
        cl = self.conf["content_limit"]
        now = ctx.now
        times = self.content.setdefault(ctx.identity, [])
        hour = float(cl.get("hour", 3600))
        window = float(cl.get("window", 60))
        keep = max(hour, window)
        cut = bisect.bisect_right(times, now - keep)
        if cut:
            del times[:cut]
        free_at = 0.0
        in_window = len(times) - bisect.bisect_right(times, now - window)
        per_window = int(cl.get("per_window", 80))
        if in_window >= per_window:
            free_at = max(free_at, times[len(times) - per_window] + window)
        in_hour = len(times) - bisect.bisect_right(times, now - hour)
        hourly = int(cl.get("hourly", 500))
        if in_hour >= hourly:
            free_at = max(free_at, times[len(times) - hourly] + hour)
        if free_at:
            self.counters["secondary_limited"] += 1
            hdrs = []
            if cl.get("retry_after", True):
                hdrs.append(("retry-after", str(max(1, int(math.ceil(free_at - now))))))
            raise HTTPError(403, SECONDARY_MSG % ctx.request_id, headers=hdrs,
                            doc="https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits")
        times.append(now)

    # -- faults

    def take_fault(self, method, path):
        for f in self.faults:
            if f["method"] not in ("*", "", method):
                continue
            if not f["rx"].search(path):
                continue
            if f["skip"] > 0:
                f["skip"] -= 1
                continue
            if f["times"] == 0:
                continue
            if f["times"] > 0:
                f["times"] -= 1
            f["fired"] += 1
            return f
        return None

    def fault_response(self, f, ctx):
        kind = f["kind"]
        hdrs = self.rl_headers(ctx.identity, ctx.now)
        ra = f.get("retry_after")
        if kind == "status":
            st = int(f.get("status") or 502)
            msg = f.get("body")
            if msg is None:
                msg = jdump({"message": "Server Error" if st >= 500 else "Fault"})
            if ra is not None:
                hdrs.append(("retry-after", str(ra)))
            return st, hdrs, to_bytes(msg)
        if kind in ("secondary", "secondary429"):
            if ra is not None:
                hdrs.append(("retry-after", str(ra)))
            e = HTTPError(403 if kind == "secondary" else 429, SECONDARY_MSG % ctx.request_id,
                          doc="https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits")
            return e.status, hdrs, jdump(e.body())
        if kind == "primary":
            st, limit, _ = self.primary_state(ctx.identity, ctx.now)
            hdrs = [("x-ratelimit-limit", str(limit)), ("x-ratelimit-remaining", "0"),
                    ("x-ratelimit-reset", str(int(ctx.now + float(60 if ra is None else ra)))),
                    ("x-ratelimit-used", str(limit)), ("x-ratelimit-resource", "core")]
            who = ctx.identity.split(":")[-1]
            e = HTTPError(403, "API rate limit exceeded for installation ID %s. If you reach "
                               "out to GitHub Support for help, please include the request "
                               "ID %s." % (who, ctx.request_id),
                          doc="https://docs.github.com/rest/overview/rate-limits-for-the-rest-api")
            return 403, hdrs, jdump(e.body())
        if kind == "plain403":
            return 403, hdrs, jdump(forbidden_integration().body())
        if kind == "badjson":
            return 200, hdrs, f.get("body", '{"id":1,"name":"trunc').encode()
        raise HTTPError(500, "unknown fault kind " + kind)

    # -- request entry point (called with the lock held)

    def handle(self, ctx):
        """(status, headers, body bytes) for one API request."""
        hdrs = []
        counted = False
        try:
            if not ctx.headers.get("User-Agent"):
                return 403, [("Content-Type", "text/plain; charset=utf-8")], NO_UA_MSG.encode()
            if ctx.auth == "bad":
                raise ctx.auth_error
            fn, args, kind, content = self.route(ctx)
            if kind == "jwt":
                if ctx.auth == "token":
                    raise HTTPError(401, "A JSON web token could not be decoded")
                if ctx.auth != "jwt":
                    raise HTTPError(401, "Requires authentication")
            elif ctx.auth == "jwt" and kind == "token":
                raise forbidden_integration()
            elif ctx.auth == "none" and kind == "token" and ctx.method not in ("GET", "HEAD"):
                raise HTTPError(401, "Requires authentication")
            if kind != "free":
                self.primary_check(ctx)
                counted = True
            if content:
                if ctx.tok is None:
                    raise HTTPError(401, "Requires authentication")
                self.content_check(ctx)
            status, body, extra = fn(ctx, *args)
        except HTTPError as e:
            status, body, extra = e.status, e.body(), e.headers
            if e.status == 404 and not counted and ctx.auth != "bad":
                counted = True      # unknown routes still cost a request
        hdrs.extend(extra)
        ctype = None
        for k, v in hdrs:
            if k.lower() == "content-type":
                ctype = v
        if body is None:
            data = b""
        elif isinstance(body, (bytes, str)):
            data = to_bytes(body)
        else:
            data = jdump(body)
            if ctype is None:
                hdrs.append(("Content-Type", "application/json; charset=utf-8"))
        if ctx.method in ("GET", "HEAD") and status == 200:
            etag = 'W/"%s"' % hashlib.sha256(data).hexdigest()
            hdrs.append(("ETag", etag))
            inm = ctx.headers.get("If-None-Match")
            if inm and self.etag_match(inm, etag):
                return 304, hdrs + self.rl_headers(ctx.identity, ctx.now), None
        if counted:
            self.count(ctx)
        return status, hdrs + self.rl_headers(ctx.identity, ctx.now), data

    @staticmethod
    def etag_match(header, etag):
        bare = etag[2:] if etag.startswith("W/") else etag
        for t in header.split(","):
            t = t.strip()
            if t == "*" or (t[2:] if t.startswith("W/") else t) == bare:
                return True
        return False

    def route(self, ctx):
        path = ctx.path
        m = re.fullmatch(r"/repositories/(\d+)(/.*)?", path)
        if m:
            repo = self.repos_by_id.get(int(m.group(1)))
            if repo is None:
                raise not_found()
            path = "/repos/%s/%s%s" % (quote(repo.owner.login), quote(repo.name), m.group(2) or "")
        m = re.fullmatch(r"/repos/([^/]+)/([^/]+)(/.*)?", path)
        if m:
            full = (unquote(m.group(1)) + "/" + unquote(m.group(2))).lower()
            if full not in self.repos and full in self.renamed:
                repo = self.repos_by_id.get(self.renamed[full])
                if repo is not None:
                    loc = "%s/repositories/%d%s" % (ctx.base, repo.id, m.group(3) or "")
                    if ctx.query:
                        loc += "?" + urlencode(ctx.qpairs)
                    st = 301 if ctx.method in ("GET", "HEAD") else 307
                    raise HTTPError(st, "Moved Permanently" if st == 301 else "Temporary Redirect",
                                    headers=[("Location", loc)],
                                    raw={"message": "Moved Permanently", "url": loc,
                                         "documentation_url": DOC})
        method = "GET" if ctx.method == "HEAD" else ctx.method
        for meth, rx, fn, kind, content in self.routes:
            if meth != method:
                continue
            m = rx.fullmatch(path)
            if m:
                return fn, [unquote(g) if g is not None else None for g in m.groups()], kind, content
        raise not_found()

    def build_routes(self):
        R = r"/repos/([^/]+)/([^/]+)"
        table = [
            ("GET", r"/app", self.r_app, "jwt", False),
            ("GET", r"/app/installations", self.r_app_installations, "jwt", False),
            ("GET", r"/app/hook/deliveries", self.r_hook_deliveries, "jwt", False),
            ("POST", r"/app/hook/deliveries/(\d+)/attempts", self.r_hook_redeliver, "jwt", False),
            ("GET", r"/app/installations/(\d+)", self.r_app_installation, "jwt", False),
            ("POST", r"/app/installations/(\d+)/access_tokens", self.r_access_token, "jwt", False),
            ("GET", R + r"/installation", self.r_repo_installation, "jwt", False),
            ("GET", r"/orgs/([^/]+)/installation", self.r_owner_installation, "jwt", False),
            ("GET", r"/users/([^/]+)/installation", self.r_owner_installation, "jwt", False),
            ("DELETE", r"/installation/token", self.r_revoke, "token", False),
            ("GET", r"/installation/repositories", self.r_installation_repos, "token", False),
            ("GET", r"/rate_limit", self.r_rate_limit, "free", False),
            ("GET", r"/users/([^/]+)", self.r_user, "any", False),
            ("GET", r"/orgs/([^/]+)", self.r_org, "any", False),
            ("GET", r"/orgs/([^/]+)/repos", self.r_owner_repos, "any", False),
            ("GET", r"/users/([^/]+)/repos", self.r_owner_repos, "any", False),
            ("GET", R, self.r_repo, "token", False),
            ("DELETE", R, self.r_repo_delete, "token", False),
            ("POST", R + r"/generate", self.r_generate, "token", True),
            ("GET", R + r"/contents/?(.*)", self.r_contents_get, "token", False),
            ("PUT", R + r"/contents/(.+)", self.r_contents_put, "token", True),
            ("DELETE", R + r"/contents/(.+)", self.r_contents_delete, "token", False),
            ("GET", R + r"/git/ref/(.+)", self.r_git_ref, "token", False),
            ("GET", R + r"/git/refs/(.+)", self.r_git_refs, "token", False),
            ("GET", R + r"/git/trees/([^/]+)", self.r_git_tree, "token", False),
            ("GET", R + r"/git/commits/([0-9a-f]{40})", self.r_git_commit, "token", False),
            ("GET", R + r"/git/blobs/([0-9a-f]{40})", self.r_git_blob, "token", False),
            ("GET", R + r"/commits", self.r_commits, "token", False),
            ("GET", R + r"/commits/([^/]+)", self.r_commit, "token", False),
            ("GET", R + r"/branches", self.r_branches, "token", False),
            ("GET", R + r"/branches/([^/]+)", self.r_branch, "token", False),
            ("GET", R + r"/collaborators", self.r_collaborators, "token", False),
            ("GET", R + r"/collaborators/([^/]+)", self.r_collaborator_get, "token", False),
            ("PUT", R + r"/collaborators/([^/]+)", self.r_collaborator_put, "token", True),
            ("DELETE", R + r"/collaborators/([^/]+)", self.r_collaborator_delete, "token", False),
            ("GET", R + r"/invitations", self.r_invitations, "token", False),
            ("DELETE", R + r"/invitations/(\d+)", self.r_invitation_delete, "token", False),
            ("GET", R + r"/issues", self.r_issues, "token", False),
            ("POST", R + r"/issues", self.r_issue_create, "token", True),
            ("GET", R + r"/issues/comments", self.r_repo_comments, "token", False),
            ("GET", R + r"/issues/comments/(\d+)", self.r_comment_get, "token", False),
            ("PATCH", R + r"/issues/comments/(\d+)", self.r_comment_patch, "token", False),
            ("GET", R + r"/issues/(\d+)", self.r_issue_get, "token", False),
            ("PATCH", R + r"/issues/(\d+)", self.r_issue_patch, "token", False),
            ("GET", R + r"/issues/(\d+)/comments", self.r_comments, "token", False),
            ("POST", R + r"/issues/(\d+)/comments", self.r_comment_create, "token", True),
            ("GET", R + r"/issues/(\d+)/labels", self.r_labels_get, "token", False),
            ("POST", R + r"/issues/(\d+)/labels", self.r_labels_add, "token", False),
            ("PUT", R + r"/issues/(\d+)/labels", self.r_labels_set, "token", False),
            ("DELETE", R + r"/issues/(\d+)/labels/([^/]+)", self.r_label_delete, "token", False),
            ("GET", R + r"/pulls", self.r_pulls, "token", False),
            ("GET", R + r"/pulls/(\d+)", self.r_pull, "token", False),
            ("GET", R + r"/pulls/(\d+)/files", self.r_pull_files, "token", False),
            ("GET", R + r"/compare/([^/]+)", self.r_compare, "token", False),
            ("POST", R + r"/dispatches", self.r_repo_dispatch, "token", True),
            ("POST", R + r"/actions/workflows/([^/]+)/dispatches", self.r_workflow_dispatch, "token", True),
        ]
        return [(m, re.compile(rx), fn, kind, content) for m, rx, fn, kind, content in table]

    # -- access control

    def installation_of(self, ctx):
        if ctx.tok is None or ctx.tok["installation_id"] is None:
            return None
        return self.installations.get(ctx.tok["installation_id"])

    def in_installation(self, inst, repo):
        if inst is None or inst["account"] is not repo.owner:
            return False
        return (inst["repository_selection"] == "all"
                or repo.full_name.lower() in inst["repositories"])

    def token_reaches(self, ctx, repo):
        """The token's installation covers repo (whatever its visibility)."""
        if not self.in_installation(self.installation_of(ctx), repo):
            return False
        narrowed = ctx.tok["repos"]
        return narrowed is None or repo.full_name.lower() in narrowed

    def visible(self, ctx, repo):
        return not repo.private or (ctx.tok is not None and self.token_reaches(ctx, repo))

    def get_repo(self, ctx, owner, name):
        repo = self.repos.get((owner + "/" + name).lower())
        if repo is None or not self.visible(ctx, repo):
            raise not_found()
        # GitHub's read-after-write lag: a repository just generated is
        # not visible everywhere at once (plain 404 for replication_lag s).
        if ctx.now < getattr(repo, "visible_at", 0):
            raise not_found()
        return repo

    def need_perm(self, ctx, repo, perm, level):
        if ctx.tok is None:
            raise HTTPError(401, "Requires authentication")
        if not self.token_reaches(ctx, repo):
            raise forbidden_integration()
        have = PERM_LEVELS.get(ctx.tok["permissions"].get(perm, ""), 0)
        if have < PERM_LEVELS[level]:
            raise forbidden_integration()

    def need_ready(self, repo, ctx, git):
        if not repo.ready(ctx.now):
            if git:
                raise HTTPError(409, "Git Repository is empty.")
            raise HTTPError(404, "This repository is empty.")

    # -- pagination

    def paginate(self, ctx, items, cap=None):
        try:
            per_page = int(ctx.query.get("per_page", self.conf["per_page_default"]))
        except ValueError:
            per_page = int(self.conf["per_page_default"])
        per_page = max(1, min(100, per_page))
        try:
            page = max(1, int(ctx.query.get("page", 1)))
        except ValueError:
            page = 1
        if cap is not None:
            items = items[:cap]
        last = max(1, (len(items) + per_page - 1) // per_page)
        chunk = items[(page - 1) * per_page: page * per_page]

        def url(p):
            pairs = [(k, v) for k, v in ctx.qpairs if k != "page"] + [("page", str(p))]
            return "<%s%s?%s>" % (ctx.base, ctx.path, urlencode(pairs))

        links = []
        if page > 1:
            links.append('%s; rel="prev"' % url(min(page - 1, last)))
        if page < last:
            links.append('%s; rel="next"' % url(page + 1))
            links.append('%s; rel="last"' % url(last))
        if page > 1:
            links.append('%s; rel="first"' % url(1))
        hdrs = [("Link", ", ".join(links))] if links else []
        return chunk, hdrs

    # -- renderers

    def repo_obj(self, ctx, repo):
        base = ctx.base
        full = repo.full_name
        o = {"id": repo.id, "node_id": "R_kgDO%d" % repo.id, "name": repo.name,
             "full_name": full, "private": repo.private,
             "owner": repo.owner.obj(base),
             "html_url": "%s/%s" % (GITHUB, full), "description": repo.description,
             "fork": False, "url": "%s/repos/%s" % (base, full),
             "created_at": iso(repo.created), "updated_at": iso(repo.updated),
             "pushed_at": iso(repo.updated),
             "clone_url": "%s/%s.git" % (GITHUB, full),
             "size": (sum(len(v) for v in repo.files.values()) // 1024) if repo.ready(ctx.now) else 0,
             "default_branch": "main", "is_template": repo.is_template,
             "visibility": "private" if repo.private else "public",
             "archived": False, "disabled": False,
             "has_issues": True}
        if ctx.tok is not None and self.token_reaches(ctx, repo):
            p = ctx.tok["permissions"]
            admin = PERM_LEVELS.get(p.get("administration", ""), 0) >= 2
            push = PERM_LEVELS.get(p.get("contents", ""), 0) >= 2
            o["permissions"] = {"admin": admin, "maintain": admin, "push": push,
                                "triage": push, "pull": True}
        if repo.template is not None:
            t = self.repos_by_id.get(repo.template)
            if t is not None:
                o["template_repository"] = {"id": t.id, "name": t.name, "full_name": t.full_name,
                                            "private": t.private, "is_template": t.is_template,
                                            "url": "%s/repos/%s" % (base, t.full_name)}
        return o

    def installation_obj(self, ctx, inst):
        app = self.apps.get(inst["app_id"], {})
        base = ctx.base
        return {"id": inst["id"], "account": inst["account"].obj(base),
                "repository_selection": inst["repository_selection"],
                "access_tokens_url": "%s/app/installations/%d/access_tokens" % (base, inst["id"]),
                "repositories_url": "%s/installation/repositories" % base,
                "html_url": "%s/organizations/%s/settings/installations/%d"
                            % (GITHUB, inst["account"].login, inst["id"]),
                "app_id": inst["app_id"], "app_slug": app.get("slug"),
                "client_id": app.get("client_id"),
                "target_id": inst["account"].id, "target_type": inst["account"].type,
                "permissions": inst["permissions"], "events": [],
                "created_at": iso(inst["created"]), "updated_at": iso(inst["created"]),
                "single_file_name": None, "suspended_by": None, "suspended_at": None}

    def author(self, ctx):
        if ctx.tok is not None and ctx.tok.get("user"):
            return self.accounts[ctx.tok["user"].lower()]
        inst = self.installation_of(ctx)
        if inst is not None and inst["app_id"] in self.apps:
            return self.apps[inst["app_id"]]["bot"]
        return Account("ghost", "User", 10137)

    def label_obj(self, ctx, repo, name):
        lab = repo.labels.get(name.lower())
        if lab is None:
            lab = repo.labels[name.lower()] = {"id": self.next_id(), "name": name}
        return {"id": lab["id"], "node_id": "LA_%d" % lab["id"],
                "url": "%s/repos/%s/labels/%s" % (ctx.base, repo.full_name, quote(lab["name"])),
                "name": lab["name"], "color": "ededed", "default": False, "description": None}

    def issue_obj(self, ctx, repo, iss):
        base = ctx.base
        url = "%s/repos/%s/issues/%d" % (base, repo.full_name, iss["number"])
        o = {"url": url, "repository_url": "%s/repos/%s" % (base, repo.full_name),
             "labels_url": url + "/labels{/name}", "comments_url": url + "/comments",
             "html_url": "%s/%s/%s/%d" % (GITHUB, repo.full_name,
                                          "pull" if iss["pull"] else "issues", iss["number"]),
             "id": iss["id"], "node_id": "I_kwDO%d" % iss["id"], "number": iss["number"],
             "title": iss["title"], "user": iss["user"].obj(base),
             "labels": [self.label_obj(ctx, repo, n) for n in iss["labels"]],
             "state": iss["state"], "state_reason": iss.get("state_reason"),
             "locked": False, "assignee": None, "assignees": [], "milestone": None,
             "comments": len(iss["comments"]),
             "created_at": iso(iss["created"]), "updated_at": iso(iss["updated"]),
             "closed_at": iso(iss["closed"]) if iss["closed"] else None,
             "author_association": "NONE", "body": iss["body"]}
        if iss["pull"]:
            pu = "%s/%s/pull/%d" % (GITHUB, repo.full_name, iss["number"])
            o["pull_request"] = {"url": "%s/repos/%s/pulls/%d" % (base, repo.full_name, iss["number"]),
                                 "html_url": pu, "diff_url": pu + ".diff", "patch_url": pu + ".patch",
                                 "merged_at": iso(iss["pull"]["merged_at"]) if iss["pull"]["merged_at"] else None}
        return o

    def pull_obj(self, ctx, repo, iss):
        o = self.issue_obj(ctx, repo, iss)
        p = iss["pull"]
        o.pop("pull_request", None)
        o.pop("comments", None)
        pu = "%s/%s/pull/%d" % (GITHUB, repo.full_name, iss["number"])
        o.update({"url": "%s/repos/%s/pulls/%d" % (ctx.base, repo.full_name, iss["number"]),
                  "issue_url": "%s/repos/%s/issues/%d" % (ctx.base, repo.full_name, iss["number"]),
                  "html_url": pu, "diff_url": pu + ".diff", "patch_url": pu + ".patch",
                  "merged_at": iso(p["merged_at"]) if p["merged_at"] else None,
                  "merged": bool(p["merged_at"]), "draft": False,
                  "head": {"label": "%s:%s" % (repo.owner.login, p["head"]), "ref": p["head"],
                           "sha": p["head_sha"]},
                  "base": {"label": "%s:%s" % (repo.owner.login, p["base"]), "ref": p["base"],
                           "sha": repo.head},
                  "commits": 1, "changed_files": len(p["files"]),
                  "additions": sum(f.get("additions", 0) for f in p["files"]),
                  "deletions": sum(f.get("deletions", 0) for f in p["files"])})
        return o

    def comment_obj(self, ctx, repo, iss, c):
        return {"id": c["id"], "node_id": "IC_%d" % c["id"],
                "url": "%s/repos/%s/issues/comments/%d" % (ctx.base, repo.full_name, c["id"]),
                "html_url": "%s/%s/issues/%d#issuecomment-%d" % (GITHUB, repo.full_name, iss["number"], c["id"]),
                "issue_url": "%s/repos/%s/issues/%d" % (ctx.base, repo.full_name, iss["number"]),
                "user": c["user"].obj(ctx.base), "created_at": iso(c["created"]),
                "updated_at": iso(c.get("updated", c["created"])), "author_association": "NONE", "body": c["body"]}

    def invitation_obj(self, ctx, repo, inv):
        return {"id": inv["id"], "node_id": "RI_%d" % inv["id"],
                "repository": self.repo_obj(ctx, repo),
                "invitee": inv["invitee"].obj(ctx.base), "inviter": inv["inviter"].obj(ctx.base),
                "permissions": inv["permissions"], "created_at": iso(inv["created"]),
                "expired": self.invitation_expired(inv, ctx.now),
                "url": "%s/user/repository_invitations/%d" % (ctx.base, inv["id"]),
                "html_url": "%s/%s/invitations" % (GITHUB, repo.full_name)}

    def invitation_expired(self, inv, now):
        return inv["expired"] or now >= inv["created"] + float(self.conf["invitation_ttl"])

    # -- routes: the App

    def r_app(self, ctx):
        app = ctx.app
        owner = self.accounts.get((app.get("owner") or "").lower())
        return 200, {"id": app["id"], "slug": app["slug"], "client_id": app["client_id"],
                     "node_id": "A_kwHO%d" % app["id"], "name": app["name"],
                     "owner": owner.obj(ctx.base) if owner else None,
                     "description": "", "external_url": "https://example.invalid",
                     "html_url": "%s/apps/%s" % (GITHUB, app["slug"]),
                     "created_at": iso(app["created"]), "updated_at": iso(app["created"]),
                     "permissions": {}, "events": [],
                     "installations_count": sum(1 for i in self.installations.values()
                                                if i["app_id"] == app["id"])}, []

    def app_installation(self, ctx, inst_id):
        inst = self.installations.get(int(inst_id))
        if inst is None or inst["app_id"] != ctx.app["id"]:
            raise not_found()
        return inst

    def r_app_installations(self, ctx):
        insts = sorted((i for i in self.installations.values() if i["app_id"] == ctx.app["id"]),
                       key=lambda i: i["id"])
        chunk, hdrs = self.paginate(ctx, insts)
        return 200, [self.installation_obj(ctx, i) for i in chunk], hdrs

    def r_hook_deliveries(self, ctx):
        """The App's webhook deliveries, newest first, per_page (default 30,
        at most 100), cursor pagination: Link rel="next" carries cursor."""
        mine = [d for d in self.hook_deliveries if d["app_id"] == ctx.app["id"]]
        mine.sort(key=lambda d: (d["delivered_at"], d["id"]), reverse=True)
        try:
            per_page = max(1, min(100, int(ctx.query.get("per_page", 30))))
        except ValueError:
            per_page = 30
        start = 0
        cur = ctx.query.get("cursor")
        if cur:
            ids = [d["id"] for d in mine]
            try:
                start = ids.index(int(cur))
            except ValueError:
                raise HTTPError(422, "Invalid cursor")
        chunk = mine[start:start + per_page]
        hdrs = []
        if start + per_page < len(mine):
            hdrs.append(("Link", '<%s/app/hook/deliveries?per_page=%d&cursor=%d>; rel="next"' % (
                ctx.base, per_page, mine[start + per_page]["id"])))
        out = [{k: v for k, v in d.items() if k != "app_id"} for d in chunk]
        return 200, out, hdrs

    def r_hook_redeliver(self, ctx, did):
        """Redeliver: 202 Accepted, a new attempt (redelivery: true) of the
        same guid, answered by the receiver as configured (status_code)."""
        d = next((x for x in self.hook_deliveries if x["id"] == int(did) and
                  x["app_id"] == ctx.app["id"]), None)
        if d is None:
            raise not_found()
        n = dict(d, id=self.next_id(), redelivery=True, delivered_at=iso(ctx.now),
                 status_code=self.conf.get("redelivery_status", 202),
                 status="OK")
        self.hook_deliveries.append(n)
        return 202, {}, []

    def r_app_installation(self, ctx, inst_id):
        return 200, self.installation_obj(ctx, self.app_installation(ctx, inst_id)), []

    def r_access_token(self, ctx, inst_id):
        inst = self.app_installation(ctx, inst_id)
        body = ctx.body if isinstance(ctx.body, dict) else {}
        if ctx.body is not None and not isinstance(ctx.body, dict):
            raise HTTPError(400, "Problems parsing JSON")
        perms = dict(inst["permissions"])
        if body.get("permissions") is not None:
            want = body["permissions"]
            if not isinstance(want, dict):
                raise HTTPError(422, "Invalid request.\n\nFor 'properties/permissions', "
                                     "%s is not an object." % json.dumps(want))
            for k, v in want.items():
                if v not in PERM_LEVELS:
                    raise HTTPError(422, "Invalid request.\n\nFor 'properties/%s', \"%s\" is not "
                                         "one of [\"read\", \"write\"]." % (k, v))
                if PERM_LEVELS[v] > PERM_LEVELS.get(inst["permissions"].get(k, ""), 0):
                    raise HTTPError(422, "The permissions requested are not granted to this installation.")
            perms = dict(want)
        narrowed = None
        names = body.get("repositories")
        ids = body.get("repository_ids")
        if names is not None or ids is not None:
            narrowed = []
            bad = HTTPError(422, "There is at least one repository that does not exist or "
                                 "is not accessible to the parent installation.")
            for n in names or []:
                if not isinstance(n, str):
                    raise bad
                n = n.split("/")[-1]
                repo = self.repos.get((inst["account"].login + "/" + n).lower())
                if repo is None or not self.in_installation(inst, repo):
                    raise bad
                narrowed.append(repo)
            for i in ids or []:
                repo = self.repos_by_id.get(i) if isinstance(i, int) else None
                if repo is None or not self.in_installation(inst, repo):
                    raise bad
                narrowed.append(repo)
        token = "ghs_" + "".join(secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
                                 for _ in range(36))
        expires = ctx.now + float(self.conf["token_ttl"])
        self.tokens[token] = {"installation_id": inst["id"], "expires": expires,
                              "revoked": False, "permissions": perms, "user": None,
                              "repos": set(r.full_name.lower() for r in narrowed)
                              if narrowed is not None else None}
        self.counters["tokens_issued"] += 1
        out = {"token": token, "expires_at": iso(expires), "permissions": perms,
               "repository_selection": "selected" if narrowed is not None
               else inst["repository_selection"]}
        if narrowed is not None:
            tmp = Ctx()
            tmp.base, tmp.tok, tmp.now = ctx.base, None, ctx.now
            out["repositories"] = [self.repo_obj(tmp, r) for r in narrowed]
        return 201, out, []

    def r_repo_installation(self, ctx, owner, name):
        repo = self.repos.get((owner + "/" + name).lower())
        if repo is not None:
            for inst in sorted(self.installations.values(), key=lambda i: i["id"]):
                if inst["app_id"] == ctx.app["id"] and self.in_installation(inst, repo):
                    return 200, self.installation_obj(ctx, inst), []
        raise not_found()

    def r_owner_installation(self, ctx, owner):
        for inst in sorted(self.installations.values(), key=lambda i: i["id"]):
            if inst["app_id"] == ctx.app["id"] and inst["account"].login.lower() == owner.lower():
                return 200, self.installation_obj(ctx, inst), []
        raise not_found()

    def r_revoke(self, ctx):
        if ctx.tok is None:
            raise HTTPError(401, "Requires authentication")
        ctx.tok["revoked"] = True
        return 204, None, []

    def r_installation_repos(self, ctx):
        if ctx.tok is None:
            raise HTTPError(401, "Requires authentication")
        inst = self.installation_of(ctx)
        if inst is None:
            raise forbidden_integration()
        repos = sorted((r for r in self.repos.values() if self.token_reaches(ctx, r)),
                       key=lambda r: r.id)
        chunk, hdrs = self.paginate(ctx, repos)
        sel = "selected" if ctx.tok["repos"] is not None else inst["repository_selection"]
        return 200, {"total_count": len(repos), "repository_selection": sel,
                     "repositories": [self.repo_obj(ctx, r) for r in chunk]}, hdrs

    def r_rate_limit(self, ctx):
        st, limit, window = self.primary_state(ctx.identity, ctx.now)
        core = {"limit": limit, "used": st[1], "remaining": max(0, limit - st[1]),
                "reset": int(math.ceil(st[0] + window)), "resource": "core"}
        return 200, {"resources": {"core": core}, "rate": core}, []

    # -- routes: accounts and listings

    def r_user(self, ctx, login):
        acc = self.accounts.get(login.lower())
        if acc is None:
            raise not_found()
        return 200, acc.obj(ctx.base), []

    def r_org(self, ctx, login):
        acc = self.accounts.get(login.lower())
        if acc is None or acc.type != "Organization":
            raise not_found()
        o = acc.obj(ctx.base)
        o.pop("site_admin", None)
        return 200, o, []

    def r_owner_repos(self, ctx, login):
        acc = self.accounts.get(login.lower())
        if acc is None or (ctx.path.startswith("/orgs/") and acc.type != "Organization"):
            raise not_found()
        repos = [r for r in self.repos.values() if r.owner is acc and self.visible(ctx, r)]
        typ = ctx.query.get("type", "all")
        if typ == "private":
            repos = [r for r in repos if r.private]
        elif typ == "public":
            repos = [r for r in repos if not r.private]
        default_sort = "created" if ctx.path.startswith("/orgs/") else "full_name"
        sort = ctx.query.get("sort", default_sort)
        direction = ctx.query.get("direction", "asc" if sort == "full_name" else "desc")
        if sort == "full_name":
            repos.sort(key=lambda r: r.full_name.lower())
        elif sort in ("updated", "pushed"):
            repos.sort(key=lambda r: (r.updated, r.id))
        else:
            repos.sort(key=lambda r: r.id)
        if direction == "desc":
            repos.reverse()
        chunk, hdrs = self.paginate(ctx, repos)
        return 200, [self.repo_obj(ctx, r) for r in chunk], hdrs

    # -- routes: repositories

    def r_repo(self, ctx, owner, name):
        return 200, self.repo_obj(ctx, self.get_repo(ctx, owner, name)), []

    def r_repo_delete(self, ctx, owner, name):
        repo = self.get_repo(ctx, owner, name)
        self.need_perm(ctx, repo, "administration", "write")
        self.delete_repo(repo)
        return 204, None, []

    def r_generate(self, ctx, owner, name):
        tmpl = self.get_repo(ctx, owner, name)
        body = ctx.body if isinstance(ctx.body, dict) else {}
        new_name = body.get("name")
        target = body.get("owner") or tmpl.owner.login
        if not isinstance(new_name, str) or not new_name:
            raise HTTPError(422, "Invalid request.\n\n\"name\" wasn't supplied.")
        if not isinstance(target, str):
            raise HTTPError(422, "Invalid request.\n\nFor 'properties/owner', %s is not a string."
                            % json.dumps(target))
        key = (target + "/" + new_name).lower()
        self.generate_counts[key] = self.generate_counts.get(key, 0) + 1
        if not tmpl.is_template:
            raise HTTPError(422, "%s is not a template repository" % tmpl.full_name)
        acc = self.accounts.get(target.lower())
        if acc is None:
            raise not_found()
        inst = self.installation_of(ctx)
        if inst is None or inst["account"] is not acc or ctx.tok["repos"] is not None:
            raise forbidden_integration()
        if PERM_LEVELS.get(ctx.tok["permissions"].get("administration", ""), 0) < 2:
            raise forbidden_integration()
        if not REPO_NAME_RE.fullmatch(new_name) or new_name in (".", ".."):
            raise HTTPError(422, "Repository creation failed.",
                            errors=[{"resource": "Repository", "code": "custom", "field": "name",
                                     "message": "name is invalid"}])
        if key in self.repos:
            raise HTTPError(422, "Could not clone: Name already exists on this account")
        delay = float(self.conf["template_delay"])
        top = float(self.conf.get("template_delay_max") or 0)
        if top > delay:
            delay = random.uniform(delay, top)
        repo = Repo(self, acc, new_name, body.get("private", False), False, tmpl.files,
                    body.get("description"), ctx.now + delay, template=tmpl.id)
        repo.visible_at = ctx.now + float(self.conf.get("replication_lag") or 0)
        self.repos[key] = repo
        self.repos_by_id[repo.id] = repo
        if inst["repository_selection"] == "selected":
            inst["repositories"].add(key)
        self.generated[key] = self.generated.get(key, 0) + 1
        return 201, self.repo_obj(ctx, repo), [("Location", "%s/repos/%s" % (ctx.base, repo.full_name))]

    # -- routes: contents and git

    def snapshot(self, ctx, repo, ref, git=False):
        """The commit dict that ref names (branch, sha, or default)."""
        self.need_ready(repo, ctx, git)
        if ref in (None, "", "main", "HEAD", "heads/main", "refs/heads/main"):
            return repo.commits[repo.head]
        if ref in repo.commits:
            return repo.commits[ref]
        for sha in repo.commits:
            if len(ref) >= 7 and sha.startswith(ref):
                return repo.commits[sha]
        raise HTTPError(404, "No commit found for the ref %s" % ref)

    def file_obj(self, ctx, repo, path, data, with_content=True):
        sha = git_blob_sha(data)
        qp = quote(path)
        url = "%s/repos/%s/contents/%s?ref=main" % (ctx.base, repo.full_name, qp)
        git_url = "%s/repos/%s/git/blobs/%s" % (ctx.base, repo.full_name, sha)
        html = "%s/%s/blob/main/%s" % (GITHUB, repo.full_name, qp)
        o = {"name": path.rsplit("/", 1)[-1], "path": path, "sha": sha, "size": len(data),
             "url": url, "html_url": html, "git_url": git_url,
             "download_url": "https://raw.githubusercontent.com/%s/main/%s" % (repo.full_name, qp),
             "type": "file"}
        if with_content:
            o["content"] = b64_wrapped(data)
            o["encoding"] = "base64"
        o["_links"] = {"self": url, "git": git_url, "html": html}
        return o

    def r_contents_get(self, ctx, owner, name, path):
        repo = self.get_repo(ctx, owner, name)
        commit = self.snapshot(ctx, repo, ctx.query.get("ref"))
        files = commit["files"]
        path = path.strip("/")
        if path in files:
            accept = ", ".join(ctx.headers.get_all("Accept") or [])
            if "raw" in accept:
                return 200, files[path], [("Content-Type", "application/vnd.github.raw")]
            return 200, self.file_obj(ctx, repo, path, files[path]), []
        prefix = path + "/" if path else ""
        entries = {}
        for p, data in files.items():
            if p.startswith(prefix):
                rest = p[len(prefix):]
                head = rest.split("/", 1)[0]
                if "/" in rest:
                    entries[head] = None
                else:
                    entries[head] = data
        if not entries:
            if not path:
                return 200, [], []
            raise not_found()
        out = []
        for n in sorted(entries):
            full = prefix + n
            if entries[n] is None:
                out.append({"name": n, "path": full, "type": "dir", "size": 0,
                            "sha": hashlib.sha1(full.encode()).hexdigest(),
                            "url": "%s/repos/%s/contents/%s?ref=main" % (ctx.base, repo.full_name, quote(full))})
            else:
                out.append(self.file_obj(ctx, repo, full, entries[n], with_content=False))
        return 200, out, []

    @staticmethod
    def check_path(path):
        parts = path.split("/")
        if not path or any(p in ("", ".", "..") for p in parts):
            raise HTTPError(422, "path contains a malformed path component",
                            errors=[{"resource": "Commit", "field": "path", "code": "invalid"}])

    def commit_result(self, ctx, repo, sha, message):
        c = repo.commits[sha]
        who = {"name": self.author(ctx).login, "email": "bot@example.invalid", "date": c["date"]}
        return {"sha": sha, "node_id": "C_%s" % sha[:12],
                "url": "%s/repos/%s/git/commits/%s" % (ctx.base, repo.full_name, sha),
                "html_url": "%s/%s/commit/%s" % (GITHUB, repo.full_name, sha),
                "author": who, "committer": who, "message": message,
                "tree": {"sha": c["tree"], "url": "%s/repos/%s/git/trees/%s" % (ctx.base, repo.full_name, c["tree"])},
                "parents": [{"sha": c["parent"]}] if c["parent"] else []}

    def write_checks(self, ctx, repo, path, body):
        self.need_perm(ctx, repo, "contents", "write")
        if self.conf.get("enforce_workflows_permission") and path.startswith(".github/workflows/"):
            if PERM_LEVELS.get(ctx.tok["permissions"].get("workflows", ""), 0) < 2:
                raise forbidden_integration()
        self.check_path(path)
        if not isinstance(body, dict):
            raise HTTPError(422, "Invalid request.\n\n\"message\" wasn't supplied.")
        if not isinstance(body.get("message"), str):
            raise HTTPError(422, "Invalid request.\n\n\"message\" wasn't supplied.")
        br = body.get("branch")
        if br not in (None, "main"):
            raise HTTPError(404, "Branch %s not found" % br)
        self.need_ready(repo, ctx, True)

    def r_contents_put(self, ctx, owner, name, path):
        repo = self.get_repo(ctx, owner, name)
        body = ctx.body
        self.write_checks(ctx, repo, path, body)
        content = body.get("content")
        if not isinstance(content, str):
            raise HTTPError(422, "Invalid request.\n\n\"content\" wasn't supplied.")
        try:
            data = base64.b64decode("".join(content.split()), validate=True)
        except ValueError:
            raise HTTPError(422, "content is not valid Base64")
        old = repo.files.get(path)
        sha = body.get("sha")
        if old is not None:
            if sha is None:
                raise HTTPError(422, "Invalid request.\n\n\"sha\" wasn't supplied.")
            if sha != git_blob_sha(old):
                raise HTTPError(409, "%s does not match %s" % (path, sha))
        elif sha is not None and path not in repo.files:
            pass    # GitHub ignores a sha for a new file
        files = dict(repo.files)
        files[path] = data
        csha = repo.set_files(self, files, body["message"])
        return (200 if old is not None else 201), {
            "content": self.file_obj(ctx, repo, path, data, with_content=False),
            "commit": self.commit_result(ctx, repo, csha, body["message"])}, []

    def r_contents_delete(self, ctx, owner, name, path):
        repo = self.get_repo(ctx, owner, name)
        body = ctx.body
        self.write_checks(ctx, repo, path, body)
        old = repo.files.get(path)
        if old is None:
            raise not_found()
        if body.get("sha") is None:
            raise HTTPError(422, "Invalid request.\n\n\"sha\" wasn't supplied.")
        if body["sha"] != git_blob_sha(old):
            raise HTTPError(409, "%s does not match %s" % (path, body["sha"]))
        files = dict(repo.files)
        del files[path]
        csha = repo.set_files(self, files, body["message"])
        return 200, {"content": None, "commit": self.commit_result(ctx, repo, csha, body["message"])}, []

    def ref_obj(self, ctx, repo, branch):
        sha = repo.head
        return {"ref": "refs/heads/" + branch, "node_id": "REF_%d" % repo.id,
                "url": "%s/repos/%s/git/refs/heads/%s" % (ctx.base, repo.full_name, branch),
                "object": {"sha": sha, "type": "commit",
                           "url": "%s/repos/%s/git/commits/%s" % (ctx.base, repo.full_name, sha)}}

    def r_git_ref(self, ctx, owner, name, ref):
        repo = self.get_repo(ctx, owner, name)
        self.need_ready(repo, ctx, True)
        if ref != "heads/main":
            raise not_found()
        return 200, self.ref_obj(ctx, repo, "main"), []

    def r_git_refs(self, ctx, owner, name, ref):
        repo = self.get_repo(ctx, owner, name)
        self.need_ready(repo, ctx, True)
        ref = ref.rstrip("/")
        if ref == "heads/main":
            return 200, self.ref_obj(ctx, repo, "main"), []
        if "refs/heads/main".startswith("refs/" + ref):
            return 200, [self.ref_obj(ctx, repo, "main")], []
        raise not_found()

    def r_git_tree(self, ctx, owner, name, ref):
        repo = self.get_repo(ctx, owner, name)
        self.need_ready(repo, ctx, True)
        if ref in repo.trees:
            tree_sha = ref
        else:
            tree_sha = self.snapshot(ctx, repo, ref, git=True)["tree"]
        node = repo.trees[tree_sha]
        recursive = ctx.query.get("recursive") not in (None, "", "0", "false")
        out = []

        def walk(nd, prefix):
            for n in sorted(nd, key=lambda k: k + "/" if nd[k][0] == "tree" else k):
                typ, v, sha = nd[n]
                e = {"path": prefix + n, "mode": "040000" if typ == "tree" else "100644",
                     "type": typ, "sha": sha,
                     "url": "%s/repos/%s/git/%ss/%s" % (ctx.base, repo.full_name, typ, sha)}
                if typ == "blob":
                    e["size"] = len(v)
                out.append(e)
                if typ == "tree" and recursive:
                    walk(v, prefix + n + "/")

        walk(node, "")
        return 200, {"sha": tree_sha,
                     "url": "%s/repos/%s/git/trees/%s" % (ctx.base, repo.full_name, tree_sha),
                     "tree": out, "truncated": False}, []

    def r_git_blob(self, ctx, owner, name, sha):
        repo = self.get_repo(ctx, owner, name)
        self.need_ready(repo, ctx, True)
        for c in repo.commits.values():
            for data in c["files"].values():
                if git_blob_sha(data) == sha:
                    return 200, {"sha": sha, "node_id": "B_%s" % sha[:12], "size": len(data),
                                 "url": "%s/repos/%s/git/blobs/%s" % (ctx.base, repo.full_name, sha),
                                 "content": b64_wrapped(data), "encoding": "base64"}, []
        raise not_found()

    def r_git_commit(self, ctx, owner, name, sha):
        repo = self.get_repo(ctx, owner, name)
        self.need_ready(repo, ctx, True)
        if sha not in repo.commits:
            raise not_found()
        return 200, self.commit_result(ctx, repo, sha, repo.commits[sha]["message"]), []

    def commit_obj(self, ctx, repo, sha):
        c = repo.commits[sha]
        git = self.commit_result(ctx, repo, sha, c["message"])
        return {"sha": sha, "node_id": git["node_id"],
                "commit": {"author": git["author"], "committer": git["committer"],
                           "message": c["message"], "tree": git["tree"], "url": git["url"],
                           "comment_count": 0},
                "url": "%s/repos/%s/commits/%s" % (ctx.base, repo.full_name, sha),
                "html_url": git["html_url"], "author": None, "committer": None,
                "parents": git["parents"]}

    def r_commits(self, ctx, owner, name):
        repo = self.get_repo(ctx, owner, name)
        self.need_ready(repo, ctx, True)
        chunk, hdrs = self.paginate(ctx, list(reversed(repo.history)))
        return 200, [self.commit_obj(ctx, repo, s) for s in chunk], hdrs

    def ancestors(self, repo, sha):
        """sha and its ancestors, nearest first."""
        out = []
        while sha:
            out.append(sha)
            sha = repo.commits[sha]["parent"]
        return out

    def r_compare(self, ctx, owner, name, basehead):
        """GitHub's three-dot compare: the files changed from the merge
        base to head, on the first page only, at most 300; status ahead,
        behind, identical or diverged; commits paginated (default 250)."""
        repo = self.get_repo(ctx, owner, name)
        self.need_ready(repo, ctx, True)
        if "..." not in basehead:
            raise not_found()
        b, h = unquote(basehead).split("...", 1)
        try:
            base = self.snapshot(ctx, repo, b, git=True)["sha"]
            head = self.snapshot(ctx, repo, h, git=True)["sha"]
        except HTTPError:
            raise not_found()
        up_b, up_h = self.ancestors(repo, base), self.ancestors(repo, head)
        mb = next((x for x in up_h if x in up_b), None)
        ahead, behind = up_h.index(mb) if mb else len(up_h), up_b.index(mb) if mb else len(up_b)
        status = ("identical" if ahead == 0 and behind == 0 else
                  "ahead" if behind == 0 else "behind" if ahead == 0 else "diverged")
        old = repo.commits[mb]["files"] if mb else {}
        new = repo.commits[head]["files"]
        files = []
        for fn in sorted(set(old) | set(new)):
            if fn in old and fn in new and old[fn] == new[fn]:
                continue
            st = "added" if fn not in old else "removed" if fn not in new else "modified"
            sha = hashlib.sha1(new.get(fn, b"")).hexdigest()
            files.append({"sha": sha, "filename": fn, "status": st,
                          "additions": 1, "deletions": 0, "changes": 1,
                          "blob_url": "%s/%s/blob/%s/%s" % (GITHUB, repo.full_name, head, quote(fn)),
                          "raw_url": "%s/%s/raw/%s/%s" % (GITHUB, repo.full_name, head, quote(fn)),
                          "contents_url": "%s/repos/%s/contents/%s?ref=%s" % (ctx.base, repo.full_name, quote(fn), head),
                          "patch": ""})
        commits = list(reversed(up_h[:ahead]))
        q = dict(ctx.query)
        q.setdefault("per_page", "250")
        try:
            per_page = max(1, min(250, int(q["per_page"])))
            page = max(1, int(q.get("page", 1)))
        except ValueError:
            per_page, page = 250, 1
        chunk = commits[(page - 1) * per_page:page * per_page]
        last = max(1, (len(commits) + per_page - 1) // per_page)
        hdrs = []
        if page < last:
            hdrs.append(("Link", '<%s%s?per_page=%d&page=%d>; rel="next"' % (
                ctx.base, ctx.path, per_page, page + 1)))
        out = {"url": "%s/repos/%s/compare/%s...%s" % (ctx.base, repo.full_name, b, h),
               "status": status, "ahead_by": ahead, "behind_by": behind,
               "total_commits": ahead,
               "base_commit": self.commit_obj(ctx, repo, base),
               "merge_base_commit": self.commit_obj(ctx, repo, mb) if mb else None,
               "commits": [self.commit_obj(ctx, repo, x) for x in chunk]}
        if page == 1:
            out["files"] = files[:300]
        return 200, out, hdrs

    def r_repo_dispatch(self, ctx, owner, name):
        """repository_dispatch: 204; 422 for a missing event_type (at most
        100 characters), a client_payload of more than 10 top-level keys or
        more than 65,535 characters."""
        repo = self.get_repo(ctx, owner, name)
        self.need_perm(ctx, repo, "contents", "write")
        b = ctx.body
        if not isinstance(b, dict) or not isinstance(b.get("event_type"), str) \
                or not 1 <= len(b["event_type"]) <= 100:
            raise HTTPError(422, "Invalid request.\n\nFor 'properties/event_type', nil is not a string.")
        cp = b.get("client_payload", {})
        if not isinstance(cp, dict):
            raise HTTPError(422, "Invalid request.\n\nFor 'properties/client_payload', it is not an object.")
        if len(cp) > 10:
            raise HTTPError(422, "No more than 10 properties are allowed; %d were supplied." % len(cp))
        if len(json.dumps(cp, separators=(",", ":"))) > 65535:
            raise HTTPError(422, "client_payload is too large")
        return 204, None, []

    def r_workflow_dispatch(self, ctx, owner, name, wf):
        """workflow_dispatch: 204 when .github/workflows/{wf} exists at the
        head and declares workflow_dispatch; 404 for an unknown workflow;
        422 for an unknown ref, or inputs it does not declare (more than 25
        inputs: 422)."""
        repo = self.get_repo(ctx, owner, name)
        self.need_perm(ctx, repo, "actions", "write")
        b = ctx.body
        files = repo.commits[repo.head]["files"]
        text = files.get(".github/workflows/" + unquote(wf))
        if text is None:
            raise not_found()
        text = text.decode("utf-8", "replace")
        if not isinstance(b, dict) or b.get("ref") not in ("main", "refs/heads/main"):
            raise HTTPError(422, "No ref found for: %s" % (b or {}).get("ref"))
        if "workflow_dispatch" not in text:
            raise HTTPError(422, "Workflow does not have 'workflow_dispatch' trigger")
        inputs = b.get("inputs") or {}
        if len(inputs) > 25:
            raise HTTPError(422, "you may only define up to 25 `inputs` for a `workflow_dispatch` event")
        unknown = [k for k in inputs if not re.search(r"(?m)^\s+%s:\s*$" % re.escape(k), text)]
        if unknown:
            raise HTTPError(422, "Unexpected inputs provided: %s" % json.dumps(sorted(unknown)))
        return 204, None, []

    def r_commit(self, ctx, owner, name, ref):
        repo = self.get_repo(ctx, owner, name)
        self.need_ready(repo, ctx, True)
        try:
            c = self.snapshot(ctx, repo, ref, git=True)
        except HTTPError:
            raise HTTPError(422, "No commit found for SHA: %s" % ref)
        o = self.commit_obj(ctx, repo, c["sha"])
        o["files"] = []
        return 200, o, []

    def branch_obj(self, ctx, repo, full):
        o = {"name": "main",
             "commit": {"sha": repo.head,
                        "url": "%s/repos/%s/commits/%s" % (ctx.base, repo.full_name, repo.head)},
             "protected": False}
        if full:
            o["commit"] = self.commit_obj(ctx, repo, repo.head)
            o["_links"] = {"self": "%s/repos/%s/branches/main" % (ctx.base, repo.full_name),
                           "html": "%s/%s/tree/main" % (GITHUB, repo.full_name)}
        return o

    def r_branches(self, ctx, owner, name):
        repo = self.get_repo(ctx, owner, name)
        if not repo.ready(ctx.now):
            return 200, [], []
        return 200, [self.branch_obj(ctx, repo, False)], []

    def r_branch(self, ctx, owner, name, branch):
        repo = self.get_repo(ctx, owner, name)
        if not repo.ready(ctx.now):
            raise HTTPError(404, "Branch not found")
        if branch != "main":
            raise HTTPError(404, "Branch not found")
        return 200, self.branch_obj(ctx, repo, True), []

    # -- routes: collaborators and invitations

    def collaborator_logins(self, repo):
        out = dict(repo.collaborators)
        if repo.owner.type == "User":
            out.setdefault(repo.owner.login.lower(), (repo.owner.login, "admin"))
        return out

    def r_collaborators(self, ctx, owner, name):
        repo = self.get_repo(ctx, owner, name)
        self.need_perm(ctx, repo, "metadata", "read")
        items = sorted(self.collaborator_logins(repo).values(), key=lambda x: x[0].lower())
        chunk, hdrs = self.paginate(ctx, items)
        out = []
        for login, perm in chunk:
            o = self.accounts[login.lower()].obj(ctx.base)
            lv = ["pull", "triage", "push", "maintain", "admin"].index(perm) if perm in COLLAB_PERMS else 2
            o["permissions"] = {"pull": True, "triage": lv >= 1, "push": lv >= 2,
                                "maintain": lv >= 3, "admin": lv >= 4}
            o["role_name"] = COLLAB_PERMS.get(perm, perm)
            out.append(o)
        return 200, out, hdrs

    def r_collaborator_get(self, ctx, owner, name, user):
        repo = self.get_repo(ctx, owner, name)
        if user.lower() in self.collaborator_logins(repo):
            return 204, None, []
        raise not_found()

    def r_collaborator_put(self, ctx, owner, name, user):
        repo = self.get_repo(ctx, owner, name)
        self.need_perm(ctx, repo, "administration", "write")
        body = ctx.body if isinstance(ctx.body, dict) else {}
        perm = body.get("permission", "push")
        if perm not in COLLAB_PERMS:
            raise validation_failed("Repository", "permission", "invalid",
                                    "permission must be one of pull, triage, push, maintain, admin")
        acc = self.accounts.get(user.lower())
        if acc is None or acc.type != "User":
            raise not_found()
        if user.lower() in self.collaborator_logins(repo):
            return 204, None, []
        for inv in repo.invitations:
            if inv["invitee"] is acc and not self.invitation_expired(inv, ctx.now):
                inv["permissions"] = COLLAB_PERMS[perm]
                return 201, self.invitation_obj(ctx, repo, inv), []
        day = ctx.now - 86400
        repo.invitation_times = [t for t in repo.invitation_times if t > day]
        if len(repo.invitation_times) >= int(self.conf["invitation_limit"]):
            raise validation_failed("Repository", "invitations", "custom",
                                    "You have exceeded the invitation limit of %d per day for this repository"
                                    % int(self.conf["invitation_limit"]))
        repo.invitation_times.append(ctx.now)
        inv = {"id": self.next_id(), "invitee": acc, "inviter": self.author(ctx),
               "permissions": COLLAB_PERMS[perm], "created": ctx.now, "expired": False}
        repo.invitations.append(inv)
        return 201, self.invitation_obj(ctx, repo, inv), []

    def r_collaborator_delete(self, ctx, owner, name, user):
        repo = self.get_repo(ctx, owner, name)
        self.need_perm(ctx, repo, "administration", "write")
        repo.collaborators.pop(user.lower(), None)
        return 204, None, []

    def r_invitations(self, ctx, owner, name):
        repo = self.get_repo(ctx, owner, name)
        self.need_perm(ctx, repo, "administration", "read")
        chunk, hdrs = self.paginate(ctx, list(repo.invitations))
        return 200, [self.invitation_obj(ctx, repo, i) for i in chunk], hdrs

    def r_invitation_delete(self, ctx, owner, name, inv_id):
        repo = self.get_repo(ctx, owner, name)
        self.need_perm(ctx, repo, "administration", "write")
        for inv in repo.invitations:
            if inv["id"] == int(inv_id):
                repo.invitations.remove(inv)
                return 204, None, []
        raise not_found()

    # -- routes: issues, comments, labels, pulls

    def get_issue(self, repo, number):
        n = int(number)
        if n < 1 or n > len(repo.issues) or repo.issues[n - 1] is None:
            raise not_found()
        return repo.issues[n - 1]

    def new_issue(self, repo, title, body, user, labels=(), state="open", pull=None):
        now = self.now()
        iss = {"id": self.next_id(), "number": len(repo.issues) + 1, "title": title,
               "body": body, "user": user, "labels": [], "state": state,
               "state_reason": "completed" if state == "closed" else None,
               "comments": [], "created": now, "updated": now,
               "closed": now if state == "closed" else None, "pull": pull}
        for lab in labels:
            self.issue_add_label(repo, iss, lab)
        repo.issues.append(iss)
        return iss

    def issue_add_label(self, repo, iss, name):
        if isinstance(name, dict):
            name = name.get("name")
        if not isinstance(name, str) or not name:
            raise validation_failed("Label", "name", "invalid")
        lab = repo.labels.get(name.lower())
        if lab is None:
            lab = repo.labels[name.lower()] = {"id": self.next_id(), "name": name}
        if lab["name"] not in iss["labels"]:
            iss["labels"].append(lab["name"])

    def r_issues(self, ctx, owner, name):
        repo = self.get_repo(ctx, owner, name)
        q = ctx.query
        state = q.get("state", "open")
        if state not in ("open", "closed", "all"):
            raise validation_failed("Issue", "state", "invalid")
        items = [i for i in repo.issues if i is not None and (state == "all" or i["state"] == state)]
        if q.get("labels"):
            want = [w.strip().lower() for w in q["labels"].split(",") if w.strip()]
            items = [i for i in items if all(w in [l.lower() for l in i["labels"]] for w in want)]
        if q.get("creator"):
            items = [i for i in items if i["user"].login.lower() == q["creator"].lower()]
        if q.get("since"):
            since = parse_iso(q["since"])
            items = [i for i in items if i["updated"] >= since]
        sort = q.get("sort", "created")
        key = {"updated": lambda i: (i["updated"], i["id"]),
               "comments": lambda i: (len(i["comments"]), i["id"])}.get(sort, lambda i: i["id"])
        items.sort(key=key, reverse=q.get("direction", "desc") != "asc")
        chunk, hdrs = self.paginate(ctx, items)
        return 200, [self.issue_obj(ctx, repo, i) for i in chunk], hdrs

    def r_issue_create(self, ctx, owner, name):
        repo = self.get_repo(ctx, owner, name)
        self.need_perm(ctx, repo, "issues", "write")
        body = ctx.body if isinstance(ctx.body, dict) else {}
        title = body.get("title")
        if not isinstance(title, (str, int)) or title == "":
            raise validation_failed("Issue", "title")
        iss = self.new_issue(repo, str(title), body.get("body"), self.author(ctx),
                             body.get("labels") or [])
        url = "%s/repos/%s/issues/%d" % (ctx.base, repo.full_name, iss["number"])
        return 201, self.issue_obj(ctx, repo, iss), [("Location", url)]

    def r_issue_get(self, ctx, owner, name, number):
        repo = self.get_repo(ctx, owner, name)
        return 200, self.issue_obj(ctx, repo, self.get_issue(repo, number)), []

    def r_issue_patch(self, ctx, owner, name, number):
        repo = self.get_repo(ctx, owner, name)
        self.need_perm(ctx, repo, "issues", "write")
        iss = self.get_issue(repo, number)
        body = ctx.body if isinstance(ctx.body, dict) else {}
        self.patch_issue(repo, iss, body)
        return 200, self.issue_obj(ctx, repo, iss), []

    def patch_issue(self, repo, iss, body):
        now = self.now()
        if "title" in body:
            iss["title"] = str(body["title"])
        if "body" in body:
            iss["body"] = body["body"]
        if "state" in body:
            if body["state"] not in ("open", "closed"):
                raise validation_failed("Issue", "state", "invalid")
            if body["state"] != iss["state"]:
                iss["state"] = body["state"]
                iss["closed"] = now if body["state"] == "closed" else None
                iss["state_reason"] = body.get("state_reason") or (
                    "completed" if body["state"] == "closed" else "reopened")
        if "labels" in body and body["labels"] is not None:
            iss["labels"] = []
            for lab in body["labels"]:
                self.issue_add_label(repo, iss, lab)
        iss["updated"] = now

    def r_comments(self, ctx, owner, name, number):
        repo = self.get_repo(ctx, owner, name)
        iss = self.get_issue(repo, number)
        items = list(iss["comments"])
        if ctx.query.get("since"):
            since = parse_iso(ctx.query["since"])
            items = [c for c in items if c["created"] >= since]
        chunk, hdrs = self.paginate(ctx, items)
        return 200, [self.comment_obj(ctx, repo, iss, c) for c in chunk], hdrs

    def r_repo_comments(self, ctx, owner, name):
        repo = self.get_repo(ctx, owner, name)
        items = [(iss, c) for iss in repo.issues if iss is not None for c in iss["comments"]]
        items.sort(key=lambda x: x[1]["id"], reverse=ctx.query.get("direction") == "desc")
        if ctx.query.get("since"):
            since = parse_iso(ctx.query["since"])
            items = [x for x in items if x[1]["created"] >= since]
        chunk, hdrs = self.paginate(ctx, items)
        return 200, [self.comment_obj(ctx, repo, i, c) for i, c in chunk], hdrs

    def find_comment(self, repo, cid):
        for iss in repo.issues:
            if iss is None:
                continue
            for c in iss["comments"]:
                if c["id"] == int(cid):
                    return iss, c
        raise not_found()

    def r_comment_get(self, ctx, owner, name, cid):
        repo = self.get_repo(ctx, owner, name)
        iss, c = self.find_comment(repo, cid)
        return 200, self.comment_obj(ctx, repo, iss, c), []

    def r_comment_patch(self, ctx, owner, name, cid):
        repo = self.get_repo(ctx, owner, name)
        self.need_perm(ctx, repo, "issues", "write")
        iss, c = self.find_comment(repo, cid)
        body = ctx.body if isinstance(ctx.body, dict) else {}
        if not isinstance(body.get("body"), str) or not body["body"]:
            raise validation_failed("IssueComment", "body")
        c["body"] = body["body"]
        c["updated"] = ctx.now
        return 200, self.comment_obj(ctx, repo, iss, c), []

    def add_comment(self, iss, user, text):
        c = {"id": self.next_id(), "user": user, "body": text, "created": self.now()}
        iss["comments"].append(c)
        iss["updated"] = c["created"]
        return c

    def r_comment_create(self, ctx, owner, name, number):
        repo = self.get_repo(ctx, owner, name)
        self.need_perm(ctx, repo, "issues", "write")
        iss = self.get_issue(repo, number)
        body = ctx.body if isinstance(ctx.body, dict) else {}
        if not isinstance(body.get("body"), str) or not body["body"]:
            raise validation_failed("IssueComment", "body")
        c = self.add_comment(iss, self.author(ctx), body["body"])
        obj = self.comment_obj(ctx, repo, iss, c)
        return 201, obj, [("Location", obj["url"])]

    def label_list(self, ctx):
        b = ctx.body
        if isinstance(b, dict):
            b = b.get("labels")
        if not isinstance(b, list):
            raise validation_failed("Label", "labels", "invalid")
        return b

    def r_labels_get(self, ctx, owner, name, number):
        repo = self.get_repo(ctx, owner, name)
        iss = self.get_issue(repo, number)
        return 200, [self.label_obj(ctx, repo, n) for n in iss["labels"]], []

    def r_labels_add(self, ctx, owner, name, number):
        repo = self.get_repo(ctx, owner, name)
        self.need_perm(ctx, repo, "issues", "write")
        iss = self.get_issue(repo, number)
        for lab in self.label_list(ctx):
            self.issue_add_label(repo, iss, lab)
        iss["updated"] = ctx.now
        return 200, [self.label_obj(ctx, repo, n) for n in iss["labels"]], []

    def r_labels_set(self, ctx, owner, name, number):
        repo = self.get_repo(ctx, owner, name)
        self.need_perm(ctx, repo, "issues", "write")
        iss = self.get_issue(repo, number)
        labels = self.label_list(ctx)
        iss["labels"] = []
        for lab in labels:
            self.issue_add_label(repo, iss, lab)
        iss["updated"] = ctx.now
        return 200, [self.label_obj(ctx, repo, n) for n in iss["labels"]], []

    def r_label_delete(self, ctx, owner, name, number, label):
        repo = self.get_repo(ctx, owner, name)
        self.need_perm(ctx, repo, "issues", "write")
        iss = self.get_issue(repo, number)
        for n in iss["labels"]:
            if n.lower() == label.lower():
                iss["labels"].remove(n)
                iss["updated"] = ctx.now
                return 200, [self.label_obj(ctx, repo, x) for x in iss["labels"]], []
        raise HTTPError(404, "Label does not exist")

    def get_pull(self, repo, number):
        iss = self.get_issue(repo, number)
        if not iss["pull"]:
            raise not_found()
        return iss

    def r_pulls(self, ctx, owner, name):
        repo = self.get_repo(ctx, owner, name)
        state = ctx.query.get("state", "open")
        if state not in ("open", "closed", "all"):
            raise validation_failed("PullRequest", "state", "invalid")
        items = [i for i in repo.issues if i is not None and i["pull"]
                 and (state == "all" or i["state"] == state)]
        items.sort(key=lambda i: i["id"], reverse=ctx.query.get("direction", "desc") != "asc")
        chunk, hdrs = self.paginate(ctx, items)
        return 200, [self.pull_obj(ctx, repo, i) for i in chunk], hdrs

    def r_pull(self, ctx, owner, name, number):
        repo = self.get_repo(ctx, owner, name)
        iss = self.get_pull(repo, number)
        accept = ", ".join(ctx.headers.get_all("Accept") or [])
        if "diff" in accept or "patch" in accept:
            files = iss["pull"]["files"]
            if len(files) > 300:
                raise HTTPError(406, "Sorry, the diff exceeded the maximum number of files (300). "
                                     "Consider using 'List pull requests files' API or locally "
                                     "cloning the repository instead.",
                                errors=[{"resource": "PullRequest", "field": "diff", "code": "too_large"}])
            out = []
            for f in files:
                fn = f["filename"]
                out.append("diff --git a/%s b/%s\nindex 0000000..%s 100644\n--- a/%s\n+++ b/%s\n%s\n"
                           % (fn, fn, hashlib.sha1(fn.encode()).hexdigest()[:7], fn, fn,
                              f.get("patch", "").rstrip("\n")))
            ctype = "application/vnd.github.diff; charset=utf-8"
            return 200, "".join(out), [("Content-Type", ctype)]
        return 200, self.pull_obj(ctx, repo, iss), []

    def r_pull_files(self, ctx, owner, name, number):
        repo = self.get_repo(ctx, owner, name)
        iss = self.get_pull(repo, number)
        chunk, hdrs = self.paginate(ctx, iss["pull"]["files"], cap=3000)
        out = []
        for f in chunk:
            fn = f["filename"]
            sha = hashlib.sha1(("%s\0%s" % (fn, f.get("patch", ""))).encode()).hexdigest()
            a, d = int(f.get("additions", 0)), int(f.get("deletions", 0))
            out.append({"sha": sha, "filename": fn, "status": f.get("status", "modified"),
                        "additions": a, "deletions": d, "changes": a + d,
                        "blob_url": "%s/%s/blob/%s/%s" % (GITHUB, repo.full_name, sha, quote(fn)),
                        "raw_url": "%s/%s/raw/%s/%s" % (GITHUB, repo.full_name, sha, quote(fn)),
                        "contents_url": "%s/repos/%s/contents/%s?ref=%s" % (ctx.base, repo.full_name, quote(fn), sha),
                        "patch": f.get("patch", "")})
        return 200, out, hdrs

    # -- the control API

    def control(self, method, path, qs, raw):
        try:
            body = json.loads(raw) if raw.strip() else None
        except ValueError:
            return 400, {"message": "Problems parsing JSON"}
        q = dict(parse_qsl(qs, keep_blank_values=True))
        if path == "/_sim/health":
            return 200, {"ok": True}
        if path == "/_sim/requests":
            if method == "DELETE":
                self.requests = []
                return 204, None
            out = self.requests
            if q.get("method") not in (None, "", "*"):
                out = [r for r in out if r["method"] == q["method"].upper()]
            if q.get("path"):
                rx = re.compile(q["path"])
                out = [r for r in out if rx.search(r["path"])]
            return 200, out
        if path == "/_sim/faults":
            if method == "DELETE":
                self.faults = []
                return 204, None
            if method == "GET":
                return 200, [{k: v for k, v in f.items() if k != "rx"} for f in self.faults]
            specs = body if isinstance(body, list) else [body]
            ids = []
            for spec in specs:
                if not isinstance(spec, dict) or spec.get("kind") not in (
                        "status", "reset", "truncate", "slow", "secondary", "secondary429",
                        "primary", "plain403", "badjson", "lost"):
                    return 400, {"message": "bad fault: kind must be one of status reset truncate "
                                            "slow secondary secondary429 primary plain403 badjson lost"}
                self.fault_id += 1
                f = dict(spec)
                f.update({"id": self.fault_id, "method": str(spec.get("method") or "*").upper(),
                          "path": spec.get("path") or "", "rx": re.compile(spec.get("path") or ""),
                          "times": int(spec["times"]) if spec.get("times") is not None else 1,
                          "skip": int(spec.get("skip") or 0), "fired": 0})
                self.faults.append(f)
                ids.append(self.fault_id)
            return 201, {"id": ids[0]} if len(ids) == 1 else {"ids": ids}
        if path == "/_sim/state":
            if method == "GET":
                return 200, self.state_dump()
            if method == "POST":
                ops = body.get("ops") if isinstance(body, dict) and "ops" in body else body
                if not isinstance(ops, list):
                    ops = [ops]
                results = []
                try:
                    for op in ops:
                        results.append(self.state_op(op))
                except HTTPError as e:
                    return e.status, {"message": e.message, "results": results}
                except (KeyError, TypeError, ValueError) as e:
                    return 400, {"message": "bad op: %s" % e, "results": results}
                return 200, {"results": results}
        return 404, {"message": "Not Found"}

    def state_dump(self):
        now = self.now()
        repos = {}
        for repo in sorted(self.repos.values(), key=lambda r: r.id):
            repos[repo.full_name] = {
                "id": repo.id, "private": repo.private, "is_template": repo.is_template,
                "ready": repo.ready(now), "head_sha": repo.head,
                "template": self.repos_by_id[repo.template].full_name
                if repo.template in self.repos_by_id else None,
                "files": {p: d.decode("utf-8", "replace") for p, d in sorted(repo.files.items())},
                "collaborators": sorted(l for l, _ in repo.collaborators.values()),
                "invitations": [{"id": i["id"], "invitee": i["invitee"].login,
                                 "permissions": i["permissions"],
                                 "expired": self.invitation_expired(i, now)}
                                for i in repo.invitations],
                "issues": [{"number": i["number"], "title": i["title"], "state": i["state"],
                            "labels": list(i["labels"]), "user": i["user"].login,
                            "body": i["body"], "pull_request": bool(i["pull"]),
                            "comments": [{"id": c["id"], "user": c["user"].login, "body": c["body"]}
                                         for c in i["comments"]]}
                           for i in repo.issues if i is not None]}
        d = {"repos": repos,
             "generate_counts": {self.display_name(k): v for k, v in self.generate_counts.items()},
             "generated": {self.display_name(k): v for k, v in self.generated.items()},
             "users": sorted(a.login for a in self.accounts.values() if a.type == "User"),
             "installations": [{"id": i["id"], "app_id": i["app_id"], "account": i["account"].login,
                                "repository_selection": i["repository_selection"],
                                "permissions": i["permissions"]}
                               for i in sorted(self.installations.values(), key=lambda i: i["id"])],
             "requests": len(self.requests),
             "config": {k: self.conf[k] for k in DEFAULTS}}
        d.update(self.counters)
        return d

    def display_name(self, key):
        r = self.repos.get(key)
        return r.full_name if r is not None else key

    def repo_arg(self, op, key="repo"):
        repo = self.repos.get(str(op[key]).lower())
        if repo is None:
            raise HTTPError(404, "no repository " + str(op[key]))
        return repo

    def find_invitation(self, repo, op):
        for inv in repo.invitations:
            if ("id" in op and inv["id"] == int(op["id"])) or \
               ("user" in op and inv["invitee"].login.lower() == str(op["user"]).lower()):
                return inv
        raise HTTPError(404, "no such invitation")

    def user_arg(self, op, default="ghost"):
        login = op.get("user") or default
        acc = self.accounts.get(login.lower())
        return acc if acc is not None else self.add_account(login, "User")

    def state_op(self, op):
        kind = op.get("op")
        now = self.now()
        if kind == "add_repo":
            r = self.add_repo(op)
            return {"id": r.id, "full_name": r.full_name}
        if kind == "delete_repo":
            self.delete_repo(self.repo_arg(op))
            return {}
        if kind == "rename_repo":
            repo = self.repo_arg(op)
            new = op["name"]
            key = (repo.owner.login + "/" + new).lower()
            if key in self.repos:
                raise HTTPError(422, "name exists")
            self.renamed[repo.full_name.lower()] = repo.id
            del self.repos[repo.full_name.lower()]
            repo.name = new
            self.repos[key] = repo
            return {"full_name": repo.full_name}
        if kind == "add_hook_delivery":
            d = {"id": self.next_id(), "guid": op["guid"], "app_id": op.get("app_id", 1001),
                 "delivered_at": op.get("delivered_at") or iso(self.now()),
                 "redelivery": bool(op.get("redelivery", False)), "duration": 0.1,
                 "status": "OK" if 200 <= op.get("status_code", 202) < 300 else "Invalid HTTP Response: %d" % op.get("status_code", 0),
                 "status_code": op.get("status_code", 202), "event": op.get("event", "push"),
                 "action": op.get("action"), "installation_id": op.get("installation_id", 42),
                 "repository_id": op.get("repository_id"), "throttled_at": None}
            self.hook_deliveries.append(d)
            return {"id": d["id"]}
        if kind == "set_files":
            repo = self.repo_arg(op)
            sha = repo.set_files(self, {p: to_bytes(c) for p, c in op["files"].items()}, "set_files")
            return {"head_sha": sha}
        if kind == "put_file":
            repo = self.repo_arg(op)
            files = dict(repo.files)
            files[op["path"]] = to_bytes(op["content"])
            return {"head_sha": repo.set_files(self, files, "put_file " + op["path"])}
        if kind == "delete_file":
            repo = self.repo_arg(op)
            if op["path"] not in repo.files:
                raise HTTPError(404, "no file " + op["path"])
            files = dict(repo.files)
            del files[op["path"]]
            return {"head_sha": repo.set_files(self, files, "delete_file " + op["path"])}
        if kind == "expire_invitation":
            inv = self.find_invitation(self.repo_arg(op), op)
            inv["expired"] = True
            return {"id": inv["id"]}
        if kind == "accept_invitation":
            repo = self.repo_arg(op)
            inv = self.find_invitation(repo, op)
            repo.invitations.remove(inv)
            rev = {v: k for k, v in COLLAB_PERMS.items()}
            repo.collaborators[inv["invitee"].login.lower()] = (
                inv["invitee"].login, rev.get(inv["permissions"], "push"))
            return {"id": inv["id"]}
        if kind == "add_collaborator":
            repo = self.repo_arg(op)
            acc = self.user_arg(op)
            repo.collaborators[acc.login.lower()] = (acc.login, op.get("permission", "push"))
            return {}
        if kind == "remove_collaborator":
            self.repo_arg(op).collaborators.pop(str(op["user"]).lower(), None)
            return {}
        if kind in ("add_issue", "add_pull"):
            repo = self.repo_arg(op)
            pull = None
            if kind == "add_pull":
                files = op.get("files")
                if files is None:
                    files = [{"filename": "file%04d.txt" % i, "status": "added", "additions": 1,
                              "deletions": 0, "patch": "@@ -0,0 +1 @@\n+line %d" % i}
                             for i in range(int(op.get("file_count", 1)))]
                merged = bool(op.get("merged"))
                pull = {"files": files, "merged_at": now if merged else None,
                        "head": op.get("head", "feature"), "base": op.get("base", "main"),
                        "head_sha": hashlib.sha1(("%s%f" % (repo.full_name, now)).encode()).hexdigest()}
            state = op.get("state", "closed" if op.get("merged") else "open")
            iss = self.new_issue(repo, op.get("title", "Untitled"), op.get("body"),
                                 self.user_arg(op), op.get("labels") or [], state, pull)
            for c in op.get("comments") or []:
                self.add_comment(iss, self.user_arg(c), c.get("body", ""))
            return {"number": iss["number"], "id": iss["id"]}
        if kind == "add_comment":
            repo = self.repo_arg(op)
            c = self.add_comment(self.get_issue(repo, op["number"]), self.user_arg(op), op["body"])
            return {"id": c["id"]}
        if kind == "add_label":
            repo = self.repo_arg(op)
            iss = self.get_issue(repo, op["number"])
            for lab in op["labels"]:
                self.issue_add_label(repo, iss, lab)
            iss["updated"] = now
            return {}
        if kind == "set_issue":
            repo = self.repo_arg(op)
            self.patch_issue(repo, self.get_issue(repo, op["number"]),
                             {k: v for k, v in op.items() if k in ("title", "body", "state", "labels")})
            return {}
        if kind == "delete_issue":
            repo = self.repo_arg(op)
            iss = self.get_issue(repo, op["number"])
            repo.issues[iss["number"] - 1] = None
            return {}
        if kind == "add_user":
            return {"id": self.add_account(op["login"], "User").id}
        if kind == "add_org":
            return {"id": self.add_account(op["login"], "Organization").id}
        if kind == "uninstall":
            self.installations.pop(int(op["installation_id"]), None)
            return {}
        if kind == "add_installation":
            return {"id": self.add_installation(op)["id"]}
        if kind == "expire_tokens":
            n = 0
            for t, rec in self.tokens.items():
                if rec["expires"] is not None and (op.get("token") in (None, t)):
                    rec["expires"] = now - 1
                    n += 1
            return {"expired": n}
        if kind == "reset_limits":
            self.primary.clear()
            self.content.clear()
            return {}
        if kind == "set_config":
            for k, v in op.items():
                if k == "op":
                    continue
                if k not in DEFAULTS:
                    raise HTTPError(400, "unknown config key " + k)
                if k == "content_limit":
                    self.conf[k].update(v)
                else:
                    self.conf[k] = v
            return {}
        raise HTTPError(400, "unknown op %r" % kind)


# ---------------------------------------------------------------------------
# HTTP plumbing.

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "GitHub.com"
    sys_version = ""
    timeout = 60

    def setup(self):
        BaseHTTPRequestHandler.setup(self)
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self.handle_any()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def read_body(self):
        te = self.headers.get("Transfer-Encoding", "")
        if "chunked" in te.lower():
            out = []
            while True:
                line = self.rfile.readline(1024)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                out.append(self.rfile.read(size))
                self.rfile.readline(16)
            return b"".join(out)
        n = int(self.headers.get("Content-Length") or 0)
        if n < 0 or n > 64 * 1024 * 1024:
            raise ValueError("bad Content-Length")
        return self.rfile.read(n) if n else b""

    def send_all(self, status, headers, body):
        reason = self.responses.get(status, ("Unknown",))[0]
        lines = ["HTTP/1.1 %d %s" % (status, reason),
                 "Server: GitHub.com",
                 "Date: " + self.date_time_string()]
        for k, v in headers:
            lines.append("%s: %s" % (k, v))
        if status != 304:
            lines.append("Content-Length: %d" % len(body or b""))
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if self.command == "HEAD" or status == 304 or not body:
            body = b""
        self.wfile.write(head + body)

    def reset(self):
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        self.server.local.reset = True

    def handle_any(self):
        sim = self.server.sim
        t0 = time.time()
        try:
            raw = self.read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self.send_all(400, [("Content-Type", "application/json; charset=utf-8")],
                          jdump({"message": "Problems parsing JSON"}))
            return
        split = urlsplit(self.path)
        path = split.path
        try:
            if path == "/_sim" or path.startswith("/_sim/"):
                with sim.lock:
                    status, obj = sim.control(self.command, path, split.query,
                                              raw.decode("utf-8", "replace"))
                    data = jdump(obj) if obj is not None else b""
                self.send_all(status, [("Content-Type", "application/json; charset=utf-8")], data)
                return
            self.api(sim, t0, path, split.query, raw)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:
            traceback.print_exc()
            self.close_connection = True
            try:
                self.send_all(500, [("Content-Type", "application/json; charset=utf-8")],
                              jdump({"message": "Server Error", "documentation_url": DOC}))
            except OSError:
                pass

    def api(self, sim, t0, path, qs, raw):
        ctx = Ctx()
        ctx.method = self.command
        ctx.path = path
        ctx.qpairs = parse_qsl(qs, keep_blank_values=True)
        ctx.query = dict(ctx.qpairs)
        ctx.headers = self.headers
        host = self.headers.get("Host") or "127.0.0.1:%d" % self.server.server_address[1]
        ctx.base = ("https://" if sim.tls else "http://") + host
        ctx.request_id = "%04X:%04X:%06X:%07X:%08X" % tuple(secrets.randbits(b) for b in (16, 16, 24, 28, 32))
        body_err = None
        try:
            ctx.body = json.loads(raw) if raw.strip() else None
            log_body = ctx.body
        except ValueError:
            ctx.body = None
            body_err = HTTPError(400, "Problems parsing JSON")
            log_body = raw[:2000].decode("utf-8", "replace")
        entry = {"method": self.command, "path": path, "query": qs, "status": None,
                 "auth": "none", "time": t0, "body": log_body}
        with sim.lock:
            ctx.now = sim.now()
            sim.classify(ctx)
            entry["auth"] = ctx.auth
            fault = sim.take_fault(self.command, path)
            latency = float(sim.conf.get("latency") or 0)
        if latency:
            time.sleep(latency)
        if fault is not None:
            entry["fault"] = fault["kind"]
            delay = fault.get("delay")
            if delay is None and fault["kind"] == "slow":
                delay = 1.0
            if delay:
                time.sleep(float(delay))
            if fault["kind"] in ("reset", "truncate"):
                entry["status"] = 0
                sim_log(sim, entry)
                if fault["kind"] == "truncate":
                    self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json; "
                                     b"charset=utf-8\r\nContent-Length: 4096\r\n\r\n{\"id\":")
                self.reset()
                return
            if fault["kind"] not in ("slow", "lost"):
                with sim.lock:
                    ctx.now = sim.now()
                    status, hdrs, data = sim.fault_response(fault, ctx)
                hdrs = hdrs + [("x-github-request-id", ctx.request_id)]
                if not any(k.lower() == "content-type" for k, _ in hdrs):
                    hdrs.append(("Content-Type", "application/json; charset=utf-8"))
                entry["status"] = status
                sim_log(sim, entry)
                self.send_all(status, hdrs, data)
                return
        with sim.lock:
            ctx.now = sim.now()
            if body_err is not None and ctx.headers.get("User-Agent"):
                status, hdrs, data = body_err.status, [("Content-Type", "application/json; charset=utf-8")] \
                    + sim.rl_headers(ctx.identity, ctx.now), jdump(body_err.body())
            else:
                status, hdrs, data = sim.handle(ctx)
            entry["status"] = status
            if fault is not None and fault["kind"] == "lost":
                # done, and the answer lost on the way (a 502 from the
                # front end, as GitHub's load balancers give)
                entry["lost_status"] = status
                status = entry["status"] = int(fault.get("status") or 502)
                hdrs = [("Content-Type", "application/json; charset=utf-8")]
                data = jdump({"message": "Server Error"})
            if status in (403, 429) and data and b"secondary rate limit" in data:
                entry["limited"] = "secondary"
            elif status == 403 and data and b"API rate limit exceeded" in data:
                entry["limited"] = "primary"
            sim_log(sim, entry)
        hdrs = hdrs + [("x-github-request-id", ctx.request_id),
                       ("x-github-api-version-selected",
                        self.headers.get("X-GitHub-Api-Version")
                        if self.headers.get("X-GitHub-Api-Version") in API_VERSIONS
                        else "2022-11-28"),
                       ("x-github-media-type", "github.v3; format=json")]
        self.send_all(status, hdrs, data)


def sim_log(sim, entry):
    with sim.lock:
        entry["id"] = len(sim.requests) + 1
        sim.requests.append(entry)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, handler, sim, tls_ctx):
        self.sim = sim
        self.tls_ctx = tls_ctx
        self.local = threading.local()
        ThreadingHTTPServer.__init__(self, addr, handler)

    def server_bind(self):
        # HTTPServer.server_bind would resolve the host name: skip it.
        socketserver.TCPServer.server_bind(self)
        self.server_name = "localhost"
        self.server_port = self.server_address[1]

    def finish_request(self, request, client_address):
        self.local.reset = False
        if self.tls_ctx is None:
            return ThreadingHTTPServer.finish_request(self, request, client_address)
        import ssl
        request.settimeout(30)
        try:
            conn = self.tls_ctx.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            return
        try:
            self.RequestHandlerClass(conn, client_address, self)
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def shutdown_request(self, request):
        if getattr(self.local, "reset", False):
            self.local.reset = False
            self.close_request(request)     # no FIN first: linger 0 sends RST
            return
        ThreadingHTTPServer.shutdown_request(self, request)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            return
        ThreadingHTTPServer.handle_error(self, request, client_address)


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description="local GitHub REST simulator")
    ap.add_argument("--config", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--die-with-parent", action="store_true")
    a = ap.parse_args(argv)
    with open(a.config) as f:
        cfg = json.load(f)
    tls_ctx = None
    if a.tls:
        import ssl
        tls_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls_ctx.load_cert_chain(a.tls[0], a.tls[1])
    sim = Sim(cfg, tls_ctx is not None)
    server = Server(("127.0.0.1", a.port), Handler, sim, tls_ctx)

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if a.die_with_parent:
        parent = os.getppid()

        def watch():
            while os.getppid() == parent:
                time.sleep(0.2)
            os.kill(os.getpid(), signal.SIGTERM)

        threading.Thread(target=watch, daemon=True).start()
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.replace(tmp, a.port_file)
    try:
        server.serve_forever(poll_interval=0.5)
    finally:
        server.server_close()


if __name__ == "__main__":
    main(sys.argv[1:])
