"""Conformance run of the official Python ACS Identity SDK (azure-communication-identity)
against an Identity endpoint, normally the project's emulator.

It calls every method of CommunicationIdentityClient, once with a client built by
`from_connection_string`, once with a client built from (endpoint, AzureKeyCredential) and,
when it is given a bearer token the service accepts, once with a client built from
(endpoint, TokenCredential), and checks the values and the errors that the live service is
known to give.

Environment:
  ACS_CONNECTION_STRING     `endpoint=...;accesskey=...` of the service under test (required)
  ACS_CONFORMANCE_ENTRA_TOKEN_FILE
                            file holding an Entra token the service accepts as a bearer
                            credential (the emulator's `--entra-token-out`); without it the
                            token-credential cases that need one are skipped
  ACS_CONFORMANCE_CA_FILE   PEM file of the CA that signed the endpoint's certificate; given
                            to the SDK's requests transport as `connection_verify`
  ACS_CONFORMANCE_FILTER    run only the cases whose name contains this text
  ACS_CONFORMANCE_VERBOSE   `1` shows the requests and responses of passing cases too

Output: `ok <case>`, `skip <case>: <why>` or `FAIL <case>: <why>` per case (a failure is
followed by indented lines with the requests and responses of that case, tokens masked),
then one line `N passed, M failed`. The exit code is 1 when a case failed.

`from_connection_string` of SDK 1.5.0 always talks https (it keeps only the host of the
endpoint), so against a plain-http endpoint the connection-string cases are skipped.

`cargo xtask conformance` installs the SDK into a virtualenv and starts the emulator before
running this with that virtualenv's interpreter.
"""

import base64
import datetime
import json
import os
import re
import sys
import time
import traceback
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

try:
    from importlib.metadata import version as package_version
except ImportError:  # pragma: no cover - Python < 3.8
    package_version = None

# Each call is cut off after this long (connect and read) so a hung request is one failed case.
CALL_TIMEOUT_SECONDS = 10

# How far `expires_on` may sit from `now + lifetime`.
LIFETIME_TOLERANCE_SECONDS = 60

# A user of some other resource: the service refuses it with 401.
FOREIGN_USER_ID = (
    "8:acs:00000000-0000-0000-0000-000000000000_00000000-0000-0000-0000-000000000000"
)

# The scope a TokenCredential is asked for by the Communication SDKs.
BEARER_SCOPE = "https://communication.azure.com//.default"

# The live service's message for a Teams token it does not accept.
INVALID_TOKEN = "Provided access token is not valid."

SCOPE_SETS = [
    ["chat"],
    ["voip"],
    ["chat.join"],
    ["chat.join.limited"],
    ["voip.join"],
    ["chat", "voip"],
    ["chat.join", "voip.join"],
]


def lifetime_message(minutes):
    """The live service's message for a token lifetime outside [60, 1440] minutes."""
    return (
        f"ExpiresInMinutes value {minutes} is invalid. "
        "Value must be within the [60, 1440] interval."
    )


class CheckError(Exception):
    """A failed expectation; its text is the `<why>` of the FAIL line."""


class Skip(Exception):
    """A case that cannot run against this endpoint; its text says why."""


def check(condition, why):
    if not condition:
        raise CheckError(why)


# ---------------------------------------------------------------------------------------
# Reporting

FILTER = os.environ.get("ACS_CONFORMANCE_FILTER", "")
VERBOSE = os.environ.get("ACS_CONFORMANCE_VERBOSE") == "1"

counts = {"passed": 0, "failed": 0, "skipped": 0}

# Raw (request, response) pairs the SDK saw during the current case, for the failure report.
exchanges = []


def record_response(pipeline_response):
    """The `raw_response_hook` of every client: keeps the exchange for the report."""
    exchanges.append(pipeline_response.http_response)


def run_case(name, body, always=False):
    """Runs one case and prints its line; returns what `body` returned (None on failure)."""
    if not always and FILTER and FILTER not in name:
        return None
    exchanges.clear()
    try:
        result = body()
    except Skip as skip:
        counts["skipped"] += 1
        print(f"skip {name}: {one_line(str(skip))}", flush=True)
        return None
    except Exception as error:  # noqa: BLE001 - every error is a failed case
        counts["failed"] += 1
        print(f"FAIL {name}: {one_line(describe_error(error))}", flush=True)
        for line in exchange_lines(error):
            print(f"    {line}", flush=True)
        return None
    counts["passed"] += 1
    print(f"ok {name}", flush=True)
    if VERBOSE:
        for line in exchange_lines(None):
            print(f"    {line}", flush=True)
    return result


def one_line(text):
    return re.sub(r"\s*\n\s*", " ", str(text)).strip()


def describe_error(error):
    if isinstance(error, CheckError):
        return str(error)
    from azure.core.exceptions import HttpResponseError, ServiceRequestError

    if isinstance(error, HttpResponseError):
        return f"unexpected {type(error).__name__} {describe_http_error(error)}"
    if isinstance(error, ServiceRequestError):
        return f"no response: {type(error).__name__}: {error}"
    frame = traceback.extract_tb(error.__traceback__)[-1:]
    where = f" at {frame[0].filename}:{frame[0].lineno}" if frame else ""
    return f"unexpected {type(error).__name__}: {error}{where}"


def describe_http_error(error):
    status = error.status_code if error.status_code is not None else "(no status)"
    code = error.error.code if error.error is not None else "(no code)"
    message = error.error.message if error.error is not None else error.reason
    return f"{status} {code}: {message}"


def exchange_lines(error):
    responses = list(exchanges)
    response = getattr(error, "response", None)
    if response is not None and all(response is not seen for seen in responses):
        responses.append(response)
    lines = []
    for response in responses:
        request = response.request
        if request is not None:
            url = urlsplit(request.url)
            query = f"?{url.query}" if url.query else ""
            body = request_body(request)
            lines.append(f"> {request.method} {url.path}{query}{body}")
        error_code = response.headers.get("x-ms-error-code")
        header = f" [x-ms-error-code: {error_code}]" if error_code else ""
        try:
            text = response.text()
        except Exception:  # noqa: BLE001 - the report must not fail
            text = "(body not readable)"
        lines.append(f"< {response.status_code}{header} {mask(text)}")
    return lines


def request_body(request):
    body = getattr(request, "body", None) or getattr(request, "data", None)
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    return f" {mask(body)}" if isinstance(body, str) and body else ""


def mask(text):
    masked = re.sub(r'("token"\s*:\s*")[^"]{20,}"', r'\1***"', text)
    return masked if len(masked) <= 600 else f"{masked[:600]}..."


# ---------------------------------------------------------------------------------------
# Value checks


def decode_jwt_part(part, what):
    try:
        padded = part + "=" * (-len(part) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except Exception as error:  # noqa: BLE001
        raise CheckError(f"{what} is not base64url JSON") from error
    check(isinstance(value, dict), f"{what} is not a JSON object")
    return value


ISO_INSTANT = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$"
)


def parse_instant(text):
    """Seconds since the epoch of an RFC 3339 instant with any number of fractional digits."""
    match = ISO_INSTANT.match(text)
    check(match is not None, f"expires_on {text!r} is not an RFC 3339 date-time")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    if offset == "Z":
        zone = datetime.timezone.utc
    else:
        sign = 1 if offset[0] == "+" else -1
        zone = datetime.timezone(
            sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6]))
        )
    instant = datetime.datetime(
        int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=zone
    )
    return instant.timestamp() + (float(f"0.{fraction}") if fraction else 0.0)


def expires_on_seconds(expires_on):
    """SDK 1.5.0 hands `expires_on` over as the service's string; accept a number too."""
    if isinstance(expires_on, str):
        return parse_instant(expires_on)
    if isinstance(expires_on, (int, float)):
        return float(expires_on)
    raise CheckError(f"expires_on is a {type(expires_on).__name__}, expected a string")


def check_user(user, what="user"):
    from azure.communication.identity import CommunicationUserIdentifier

    check(
        isinstance(user, CommunicationUserIdentifier),
        f"{what} is a {type(user).__name__}, expected CommunicationUserIdentifier",
    )
    user_id = user.properties.get("id")
    check(isinstance(user_id, str), f"{what} id is {type(user_id).__name__}, not a string")
    check(user_id.startswith("8:acs:"), f"{what} id {user_id!r} does not start with 8:acs:")
    check(user.raw_id == user_id, f"{what} raw_id {user.raw_id!r} differs from its id")
    return user_id


def check_access_token(token, minutes=None, before=None, after=None):
    """A JWT whose `exp` is `expires_on` to the second and, when `minutes` is given, about
    `minutes` after the call."""
    check(token is not None, "no access token in the result")
    check(isinstance(token.token, str) and token.token, "token is not a non-empty string")
    parts = token.token.split(".")
    check(len(parts) == 3, f"token has {len(parts)} dot-separated parts, a JWT has 3")
    decode_jwt_part(parts[0], "JWT header")
    payload = decode_jwt_part(parts[1], "JWT payload")
    check(isinstance(payload.get("exp"), (int, float)), "JWT payload has no numeric exp")

    at = expires_on_seconds(token.expires_on)
    check(
        abs(payload["exp"] - at) < 1,
        f"JWT exp {payload['exp']} differs from expires_on {token.expires_on}",
    )
    if minutes is not None:
        earliest = before + minutes * 60 - LIFETIME_TOLERANCE_SECONDS
        latest = after + minutes * 60 + LIFETIME_TOLERANCE_SECONDS
        check(
            earliest <= at <= latest,
            f"expires_on {token.expires_on} is not about now + {minutes} min",
        )
    return payload


def expect_http_error(call, status, error_type=None, code=None, message=None, target=None):
    """Runs `call`, which must raise an HttpResponseError of `status` (of `error_type`, and
    with the error `code`, `message` and `target` when given)."""
    from azure.core.exceptions import HttpResponseError

    try:
        result = call()
    except HttpResponseError as error:
        wanted = f"{status} {code}" if code else f"{status}"
        got = f"{type(error).__name__} {describe_http_error(error)}"
        check(error.status_code == status, f"expected {wanted}, got {got}")
        if error_type is not None:
            check(
                isinstance(error, error_type),
                f"{status} as expected, but raised as {type(error).__name__}, "
                f"expected {error_type.__name__}",
            )
        envelope = error.error
        check(
            envelope is not None and isinstance(envelope.code, str) and envelope.code,
            f'status {status} as expected, but the body has no {{"error":{{"code":...}}}} '
            "envelope",
        )
        if code is not None:
            check(envelope.code == code, f"expected {wanted}, got {got}")
        if message is not None:
            check(
                envelope.message == message,
                f"{wanted} as expected, but the message is {envelope.message!r}, "
                f"the service says {message!r}",
            )
        if target is not None:
            check(
                envelope.target == target,
                f"{wanted} as expected, but the target is {envelope.target!r}, "
                f"the service says {target!r}",
            )
        return error
    raise CheckError(
        f"expected {status}{' ' + code if code else ''}, but the call succeeded"
        + ("" if result is None else f" with {mask(repr(result))}")
    )


# ---------------------------------------------------------------------------------------
# Entra-like tokens for the Teams exchange (the service under test checks claims only)


def base64url_json(value):
    raw = json.dumps(value, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def entra_token(app_id, user_id, tenant_id, expires_at):
    issued_at = min(int(time.time()), expires_at - 3600) - 60
    header = {"typ": "JWT", "alg": "RS256", "kid": "conformance-test-key"}
    payload = {
        "aud": "https://auth.msft.communication.azure.com",
        "iss": f"https://sts.windows.net/{tenant_id}/",
        "iat": issued_at,
        "nbf": issued_at,
        "exp": expires_at,
        "appid": app_id,
        "oid": user_id,
        "tid": tenant_id,
        "scp": "Teams.ManageCalls Teams.ManageChats",
        "ver": "1.0",
    }
    signature = base64.urlsafe_b64encode(b"conformance run: not a real signature")
    return f"{base64url_json(header)}.{base64url_json(payload)}.{signature.rstrip(b'=').decode()}"


def teams_user(expires_in_seconds=3600):
    """A valid-looking Teams user: its Entra token, client id, object id and expiry."""
    app_id = str(uuid.uuid4())
    user_id = str(uuid.uuid4())
    expires_at = int(time.time()) + expires_in_seconds
    token = entra_token(app_id, user_id, str(uuid.uuid4()), expires_at)
    return {"token": token, "client_id": app_id, "user_object_id": user_id, "exp": expires_at}


# ---------------------------------------------------------------------------------------
# The cases, run once per way of building the client


def run_suite(label, client):
    from azure.communication.identity import CommunicationUserIdentifier
    from azure.core.exceptions import ClientAuthenticationError, ResourceNotFoundError

    def name(text):
        return f"[{label}] {text}"

    foreign_user = CommunicationUserIdentifier(FOREIGN_USER_ID)

    # create_user

    def create_user_returns_an_acs_id():
        check_user(client.create_user())

    run_case(name("create_user returns an 8:acs: id"), create_user_returns_an_acs_id)

    def create_user_twice():
        first = check_user(client.create_user(), "first user")
        second = check_user(client.create_user(), "second user")
        check(first != second, f"two users share the id {first}")

    run_case(name("create_user returns a new id each time"), create_user_twice)

    def client_request_id_is_echoed():
        # The Python SDK asks for the echo with `x-ms-return-client-request-id: true`.
        client.create_user()
        check(exchanges, "no response was recorded")
        response = exchanges[-1]
        sent = response.request.headers.get("x-ms-client-request-id")
        echoed = response.headers.get("x-ms-client-request-id")
        check(sent, "the SDK sent no x-ms-client-request-id")
        check(echoed == sent, f"x-ms-client-request-id {sent!r} came back as {echoed!r}")

    run_case(name("create_user echoes x-ms-client-request-id"), client_request_id_is_echoed)

    # create_user_and_token

    for minutes in [None, 60, 1440]:
        lifetime = "default lifetime (1440 min)" if minutes is None else f"{minutes} min"

        def create_with_token(minutes=minutes):
            extra = {} if minutes is None else {"token_expires_in": timedelta(minutes=minutes)}
            before = time.time()
            result = client.create_user_and_token(["chat", "voip"], **extra)
            after = time.time()
            check(
                isinstance(result, tuple) and len(result) == 2,
                f"create_user_and_token returned {type(result).__name__}, expected a pair",
            )
            user, token = result
            check_user(user)
            check_access_token(token, minutes or 1440, before, after)

        run_case(name(f"create_user_and_token [chat, voip] {lifetime}"), create_with_token)

    def created_user_gets_another_token():
        user, _ = client.create_user_and_token(["chat"])
        before = time.time()
        token = client.get_token(user, ["voip"])
        check_access_token(token, 1440, before, time.time())

    run_case(
        name("create_user_and_token user can be issued another token"),
        created_user_gets_another_token,
    )

    for minutes in [59, 1441]:

        def create_bad_lifetime(minutes=minutes):
            expect_http_error(
                lambda: client.create_user_and_token(
                    ["chat"], token_expires_in=timedelta(minutes=minutes)
                ),
                400,
                code="ValidationError",
                message=lifetime_message(minutes),
                target="ExpiresInMinutes",
            )

        run_case(
            name(f"create_user_and_token token_expires_in {minutes} min -> 400 ValidationError"),
            create_bad_lifetime,
        )

    # get_token

    for scopes in SCOPE_SETS:
        for minutes in [None, 60, 1440]:
            lifetime = "default lifetime" if minutes is None else f"{minutes} min"

            def get_token(scopes=scopes, minutes=minutes):
                user = client.create_user()
                extra = {} if minutes is None else {"token_expires_in": timedelta(minutes=minutes)}
                before = time.time()
                token = client.get_token(user, scopes, **extra)
                check_access_token(token, minutes or 1440, before, time.time())

            run_case(name(f"get_token [{', '.join(scopes)}] {lifetime}"), get_token)

    def get_token_truncates_minutes():
        # The SDK sends whole minutes, cut down: 60 min 59 s is sent as 60.
        user = client.create_user()
        before = time.time()
        token = client.get_token(user, ["chat"], token_expires_in=timedelta(minutes=60, seconds=59))
        check_access_token(token, 60, before, time.time())

    run_case(name("get_token token_expires_in 60 min 59 s -> 60 min"), get_token_truncates_minutes)

    def get_token_twice():
        user = client.create_user()
        check_access_token(client.get_token(user, ["chat"]))
        check_access_token(client.get_token(user, ["chat"]))

    run_case(name("get_token twice gives two valid tokens"), get_token_twice)

    def get_token_empty_scopes():
        user = client.create_user()
        expect_http_error(
            lambda: client.get_token(user, []),
            400,
            code="ValidationError",
            message="Invalid scopes - Scopes field is required.",
            target="scopes",
        )

    run_case(name("get_token with empty scopes -> 400 ValidationError"), get_token_empty_scopes)

    def get_token_no_scopes():
        # SDK 1.5.0 leaves a None member out, so this sends `{}`.
        user = client.create_user()
        expect_http_error(
            lambda: client.get_token(user, None),
            400,
            code="ValidationError",
            message="Scopes: The Scopes field is required.",
            target="Scopes",
        )

    run_case(name("get_token with scopes None -> 400 ValidationError"), get_token_no_scopes)

    def create_without_scopes():
        # The service creates the user but issues no token; SDK 1.5.0 then fails to unpack
        # the missing token, so the check is on the response itself.
        try:
            result = client.create_user_and_token(None)
        except AttributeError:
            result = None
        check(result is None, f"create_user_and_token(None) returned {mask(repr(result))}")
        check(exchanges, "no response was recorded")
        response = exchanges[-1]
        check(response.status_code == 201, f"status {response.status_code}, expected 201")
        body = json.loads(response.text())
        check_user(CommunicationUserIdentifier(body.get("identity", {}).get("id")))
        check("accessToken" not in body, "the response carries an accessToken")

    run_case(
        name("create_user_and_token with scopes None -> 201 with no token"),
        create_without_scopes,
    )

    for minutes in [59, 1441]:

        def get_token_bad_lifetime(minutes=minutes):
            user = client.create_user()
            expect_http_error(
                lambda: client.get_token(user, ["chat"], token_expires_in=timedelta(minutes=minutes)),
                400,
                code="ValidationError",
                message=lifetime_message(minutes),
                target="ExpiresInMinutes",
            )

        run_case(
            name(f"get_token token_expires_in {minutes} min -> 400 ValidationError"),
            get_token_bad_lifetime,
        )

    run_case(
        name("get_token for a user of another resource -> 401"),
        lambda: expect_http_error(
            lambda: client.get_token(foreign_user, ["chat"]), 401, ClientAuthenticationError
        ),
    )

    # revoke_tokens

    def revoke_with_tokens():
        user = client.create_user()
        client.get_token(user, ["chat"])
        result = client.revoke_tokens(user)
        check(result is None, f"revoke_tokens returned {result!r}")

    run_case(name("revoke_tokens for a user with tokens"), revoke_with_tokens)

    def revoke_without_tokens():
        client.revoke_tokens(client.create_user())

    run_case(name("revoke_tokens for a user without tokens"), revoke_without_tokens)

    def token_after_revoke():
        user = client.create_user()
        client.get_token(user, ["chat"])
        client.revoke_tokens(user)
        before = time.time()
        check_access_token(client.get_token(user, ["voip"]), 1440, before, time.time())

    run_case(name("get_token after revoke_tokens issues a new token"), token_after_revoke)

    run_case(
        name("revoke_tokens for a user of another resource -> 401"),
        lambda: expect_http_error(
            lambda: client.revoke_tokens(foreign_user), 401, ClientAuthenticationError
        ),
    )

    # delete_user

    def delete_user():
        result = client.delete_user(client.create_user())
        check(result is None, f"delete_user returned {result!r}")

    run_case(name("delete_user"), delete_user)

    def delete_user_with_tokens():
        user, _ = client.create_user_and_token(["chat", "voip"])
        client.delete_user(user)

    run_case(name("delete_user for a user with tokens"), delete_user_with_tokens)

    run_case(
        name("delete_user for a user of another resource -> 401"),
        lambda: expect_http_error(
            lambda: client.delete_user(foreign_user), 401, ClientAuthenticationError
        ),
    )

    on_deleted_user = {
        "get_token": lambda user: client.get_token(user, ["chat"]),
        "revoke_tokens": client.revoke_tokens,
        "delete_user": client.delete_user,
    }
    for method, call in on_deleted_user.items():

        def on_deleted(call=call):
            user = client.create_user()
            client.delete_user(user)
            expect_http_error(lambda: call(user), 404, ResourceNotFoundError)

        run_case(name(f"{method} for a deleted user -> 404 ResourceNotFoundError"), on_deleted)

    # get_token_for_teams_user

    def teams_valid():
        teams = teams_user()
        token = client.get_token_for_teams_user(
            teams["token"], teams["client_id"], teams["user_object_id"]
        )
        check_access_token(token)
        check(expires_on_seconds(token.expires_on) > time.time(), "the token has already expired")

    run_case(name("get_token_for_teams_user with a valid Entra token"), teams_valid)

    def teams_expiry():
        teams = teams_user(expires_in_seconds=5400)
        token = client.get_token_for_teams_user(
            teams["token"], teams["client_id"], teams["user_object_id"]
        )
        at = expires_on_seconds(token.expires_on)
        check(
            abs(at - teams["exp"]) < 1,
            f"expires_on {token.expires_on}, expected the Entra token's exp {teams['exp']}",
        )

    run_case(name("get_token_for_teams_user expires_on matches the Entra token's exp"), teams_expiry)

    def expired(request):
        old = teams_user(expires_in_seconds=-3600)
        return {**request, "aad_token": old["token"], "client_id": old["client_id"],
                "user_object_id": old["user_object_id"]}

    teams_errors = [
        ("empty token -> 401 InvalidAccessToken", lambda r: {**r, "aad_token": ""},
         401, "InvalidAccessToken", INVALID_TOKEN, None),
        ("invalid token -> 401 InvalidAccessToken", lambda r: {**r, "aad_token": "invalid"},
         401, "InvalidAccessToken", INVALID_TOKEN, None),
        ("expired token -> 401 InvalidAccessToken", expired,
         401, "InvalidAccessToken", INVALID_TOKEN, None),
        ("empty token and empty user_object_id -> 401 InvalidAccessToken",
         lambda r: {**r, "aad_token": "", "user_object_id": ""},
         401, "InvalidAccessToken", INVALID_TOKEN, None),
        ("wrong client_id -> 400 ValidationError",
         lambda r: {**r, "client_id": str(uuid.uuid4())},
         400, "ValidationError", "AAD application is not the expected one.", "appId"),
        ("invalid client_id -> 400 ValidationError", lambda r: {**r, "client_id": "invalid"},
         400, "ValidationError", "Provided AppId has invalid format.", "appId"),
        ("empty client_id -> 400 ValidationError", lambda r: {**r, "client_id": ""},
         400, "ValidationError", "AppId: The AppId field is required.", "AppId"),
        ("wrong user_object_id -> 400 ValidationError",
         lambda r: {**r, "user_object_id": str(uuid.uuid4())},
         400, "ValidationError", "Provided AAD token issued for unexpected user.", "userId"),
        ("invalid user_object_id -> 400 ValidationError",
         lambda r: {**r, "user_object_id": "invalid"},
         400, "ValidationError", "Provided UserId has invalid format.", "userId"),
        ("empty user_object_id -> 400 ValidationError", lambda r: {**r, "user_object_id": ""},
         400, "ValidationError", None, None),
    ]
    for what, change, status, code, message, target in teams_errors:

        def teams_error(change=change, status=status, code=code, message=message, target=target):
            teams = teams_user()
            valid = {
                "aad_token": teams["token"],
                "client_id": teams["client_id"],
                "user_object_id": teams["user_object_id"],
            }
            request = change(valid)
            expect_http_error(
                lambda: client.get_token_for_teams_user(
                    request["aad_token"], request["client_id"], request["user_object_id"]
                ),
                status,
                ClientAuthenticationError if status == 401 else None,
                code=code,
                message=message,
                target=target,
            )

        run_case(name(f"get_token_for_teams_user with {what}"), teams_error)


class FixedTokenCredential:
    """A TokenCredential as the Azure SDKs take it: `get_token(*scopes, **kwargs)` returning
    an `AccessToken`. It hands out `token` and notes every scope it is asked for."""

    def __init__(self, token, expires_on):
        self.token = token
        self.expires_on = expires_on
        self.scopes = []

    def get_token(self, *scopes, **kwargs):
        from azure.core.credentials import AccessToken

        self.scopes.extend(scopes)
        return AccessToken(self.token, self.expires_on)


def read_entra_token(path):
    """The bearer token in the file the run names, and its `exp` in seconds."""
    with open(path, encoding="utf-8") as file:
        token = file.read().strip()
    parts = token.split(".")
    check(len(parts) == 3, f"{path} does not hold a JWT")
    expires_on = decode_jwt_part(parts[1], f"the payload of the token in {path}").get("exp")
    check(isinstance(expires_on, int), f"the token in {path} has no integer exp")
    return token, expires_on


def tampered_signature(token):
    """`token` with the first character of its signature replaced by another one."""
    signed, _, signature = token.rpartition(".")
    other = "B" if signature[:1] == "A" else "A"
    return f"{signed}.{other}{signature[1:]}"


def run_token_credential_cases(sdk, endpoint, client_options, wrap):
    """Clients built on a TokenCredential. The SDK must ask it for the Communication scope
    and send the token as a bearer, which it does over https only. A token the service did
    not issue, or one changed in its signature, gets 401; with the token from
    ACS_CONFORMANCE_ENTRA_TOKEN_FILE every operation succeeds (the whole suite runs on it).
    `wrap` records the methods called through the suite's client."""
    from azure.core.exceptions import ClientAuthenticationError

    https = urlsplit(endpoint).scheme == "https"
    token_file = os.environ.get("ACS_CONFORMANCE_ENTRA_TOKEN_FILE", "")
    if not https:
        unavailable = "bearer tokens need an https endpoint"
    elif not token_file:
        unavailable = "ACS_CONFORMANCE_ENTRA_TOKEN_FILE is not set"
    else:
        unavailable = None

    def build(credential):
        return sdk.CommunicationIdentityClient(endpoint, credential, **client_options)

    def foreign_token():
        if not https:
            raise Skip(unavailable)
        expires_on = int(time.time()) + 3600
        header = base64url_json({"typ": "JWT", "alg": "RS256"})
        payload = base64url_json({"aud": "https://communication.azure.com", "exp": expires_on})
        credential = FixedTokenCredential(f"{header}.{payload}.bm90LXNpZ25lZA", expires_on)
        expect_http_error(build(credential).create_user, 401, ClientAuthenticationError)
        check(
            credential.scopes == [BEARER_SCOPE],
            f"the credential was asked for {credential.scopes}, expected [{BEARER_SCOPE!r}]",
        )

    run_case("[token credential] a bearer token the service did not issue -> 401", foreign_token)

    entra = {}

    def construct():
        if unavailable:
            raise Skip(unavailable)
        entra["token"], entra["expires_on"] = read_entra_token(token_file)
        return build(FixedTokenCredential(entra["token"], entra["expires_on"]))

    client = run_case(
        "[token credential] construct CommunicationIdentityClient", construct, always=True
    )
    if client is None:
        return

    def asked_for_the_scope():
        credential = FixedTokenCredential(entra["token"], entra["expires_on"])
        check_user(build(credential).create_user())
        check(
            credential.scopes == [BEARER_SCOPE],
            f"the credential was asked for {credential.scopes}, expected [{BEARER_SCOPE!r}]",
        )

    run_case(
        "[token credential] the credential is asked for the Communication scope",
        asked_for_the_scope,
    )

    run_suite("token credential", wrap(client))

    def tampered():
        user = client.create_user()
        credential = FixedTokenCredential(tampered_signature(entra["token"]), entra["expires_on"])
        changed = build(credential)
        expect_http_error(changed.create_user, 401, ClientAuthenticationError)
        expect_http_error(
            lambda: changed.get_token(user, ["chat"]), 401, ClientAuthenticationError
        )

    run_case("[token credential] a token changed in its signature -> 401", tampered)


# ---------------------------------------------------------------------------------------


def parse_connection_string(connection_string):
    """Splits `endpoint=...;accesskey=...` the way the SDKs read it."""
    parts = {}
    for segment in connection_string.split(";"):
        key, separator, value = segment.partition("=")
        if separator and key.strip():
            parts[key.strip().lower()] = value.strip()
    if not parts.get("endpoint") or not parts.get("accesskey"):
        raise ValueError("ACS_CONNECTION_STRING needs both endpoint= and accesskey=")
    return parts["endpoint"], parts["accesskey"]


def main():
    try:
        connection_string = os.environ.get("ACS_CONNECTION_STRING", "")
        if not connection_string:
            raise ValueError("ACS_CONNECTION_STRING is not set")
        endpoint, access_key = parse_connection_string(connection_string)
        import azure.communication.identity as sdk
        from azure.core.credentials import AzureKeyCredential

        version = package_version("azure-communication-identity") if package_version else "?"
    except Exception as error:  # noqa: BLE001
        print(f"FAIL setup: {one_line(error)}")
        print("0 passed, 1 failed")
        return 1
    print(f"# azure-communication-identity {version} against {endpoint}", flush=True)

    # Retries are off so that a failure shows the first response, not the last of four.
    client_options = {
        "retry_total": 0,
        "connection_timeout": CALL_TIMEOUT_SECONDS,
        "read_timeout": CALL_TIMEOUT_SECONDS,
        "raw_response_hook": record_response,
    }
    ca_file = os.environ.get("ACS_CONFORMANCE_CA_FILE")
    if ca_file:
        # The requests transport of azure-core checks the server against this CA bundle.
        client_options["connection_verify"] = ca_file

    called = set()

    class Recording:
        """Forwards to a client and notes the name of every method called through it."""

        def __init__(self, client):
            self._client = client

        def __getattr__(self, attribute):
            value = getattr(self._client, attribute)
            if callable(value):
                called.add(attribute)
            return value

    def from_connection_string():
        if urlsplit(endpoint).scheme != "https":
            raise Skip("from_connection_string always uses https; the endpoint is plain http")
        return sdk.CommunicationIdentityClient.from_connection_string(
            connection_string, **client_options
        )

    builds = [
        ("connection string", from_connection_string),
        (
            "key credential",
            # The SDK signs everything after the scheme as the host, so a trailing `/` on
            # the endpoint would end up in the signed host; the connection-string parser
            # strips it, and so does this.
            lambda: sdk.CommunicationIdentityClient(
                endpoint.rstrip("/"), AzureKeyCredential(access_key), **client_options
            ),
        ),
    ]
    for label, build in builds:
        client = run_case(
            f"[{label}] construct CommunicationIdentityClient", build, always=True
        )
        if client is not None:
            run_suite(label, Recording(client))

    run_token_credential_cases(sdk, endpoint, client_options, Recording)

    if not FILTER:

        def every_method_called():
            methods = [
                attribute
                for attribute, value in vars(sdk.CommunicationIdentityClient).items()
                if callable(value) and not attribute.startswith("_")
                and not isinstance(value, classmethod)
            ]
            missed = sorted(method for method in methods if method not in called)
            check(not missed, f"never called: {', '.join(missed)}")

        run_case("every CommunicationIdentityClient method was called", every_method_called)

    print(f"{counts['passed']} passed, {counts['failed']} failed", flush=True)
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
