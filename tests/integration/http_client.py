#!/usr/bin/python3
"""An independent Connect client of registryd, generated from proto/ by protoc --python_out.

Every request is built and every answer parsed by the protobuf library alone:
google.protobuf.json_format for application/json (strict: an unknown field or a wrong
spelling fails), the binary parser for application/proto. Nothing here knows the wire
format; the method list, the request and answer types and which methods may be called
with GET all come from the generated descriptors.

usage: http_client.py GEN_DIR BASE_URL ADMIN_TOKEN
Prints one line per check; exits 1 if any failed.
"""
import base64
import json
import sys
import urllib.error
import urllib.request

sys.path.insert(0, sys.argv[1])
from google.protobuf import descriptor_pb2, json_format, symbol_database  # noqa: E402
from stdreg.v1 import registry_pb2  # noqa: E402

BASE, ADMIN = sys.argv[2], sys.argv[3]
SERVICE = registry_pb2.DESCRIPTOR.services_by_name["Registry"]
DB = symbol_database.Default()
NO_SIDE_EFFECTS = descriptor_pb2.MethodOptions.NO_SIDE_EFFECTS
failures = 0


def check(what, ok, detail=""):
    global failures
    if not ok:
        failures += 1
        print(f"FAIL: {what}{': ' + detail if detail else ''}")


def message_class(desc):
    return DB.GetSymbol(desc.full_name)


def call(method, request, encoding, token=None, get=False):
    """One Connect unary call: (HTTP status, answer message or None, Connect error or None)."""
    m = SERVICE.methods_by_name[method]
    url = f"{BASE}/stdreg.v1.Registry/{method}"
    headers = {"Connect-Protocol-Version": "1"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if encoding == "json":
        body = json_format.MessageToJson(request, preserving_proto_field_name=True).encode()
    else:
        body = request.SerializeToString()
    if get:
        msg = base64.urlsafe_b64encode(body).decode().rstrip("=")
        req = urllib.request.Request(f"{url}?encoding={encoding}&base64=1&message={msg}",
                                     headers=headers)
    else:
        headers["Content-Type"] = f"application/{encoding}"
        req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            status, ctype, data = resp.status, resp.headers.get("Content-Type"), resp.read()
    except urllib.error.HTTPError as e:
        # A Connect error is JSON whatever the call's encoding.
        return e.code, None, json.loads(e.read())
    check(f"{method} ({encoding}) content type", ctype == f"application/{encoding}", ctype)
    answer = message_class(m.output_type)()
    if encoding == "json":
        json_format.Parse(data, answer)  # strict: unknown fields are an error
    else:
        answer.ParseFromString(data)
    return status, answer, None


def request(method, text):
    """The request of method from its JSON text, parsed by json_format."""
    return json_format.Parse(text, message_class(SERVICE.methods_by_name[method].input_type)())


# Every NO_SIDE_EFFECTS method of the service, with a request that finds something.
reads = {
    "GetArea": '{"id": "ai"}',
    "ListAreas": '{"page_size": 3}',
    "GetBody": '{"id": "iso"}',
    "ListBodies": "{}",
    "GetAgency": '{"id": "digg"}',
    "ListAgencies": "{}",
    "GetWorkItem": '{"id": "iso-iec-42001"}',
    "ListWorkItems": '{"areaId": "ai"}',
    "ListAssignments": '{"area_id": "ai"}',
    "Mine": '{"agency_id": "digg"}',
    "Gaps": '{"today": "2026-01-01"}',
    "AsOf": '{"area_id": "ai", "date": "2025-06-01"}',
    "History": '{"kind": "KIND_AREA", "id": "ai"}',
    "Report": '{"today": "2026-01-01"}',
    "Watch": '{"since_revision": "0", "max_events": 5}',
    "ListChanges": '{"page_size": 5}',
    "Export": '{"page_size": 4}',
    "WhoAmI": "{}",
    "Stats": "{}",
    "ListGoals": '{"area_id": "ai", "as_of": "2026-01-01"}',
    "Trend": '{"from_date": "2025-01-01", "to_date": "2026-01-01"}',
}
marked = [m.name for m in SERVICE.methods
          if m.GetOptions().idempotency_level == NO_SIDE_EFFECTS]
check("a request for every read of the descriptor (GetAssignment and GetGoal below)",
      sorted(marked) == sorted(list(reads) + ["GetAssignment", "GetGoal"]), str(marked))

answers = {}
for method, text in reads.items():
    req = request(method, text)
    for enc in ("json", "proto"):
        for get in (False, True):
            status, ans, err = call(method, req, enc, get=get)
            how = f"{method} ({enc}, {'GET' if get else 'POST'})"
            check(f"{how} status", status == 200, f"{status} {err}")
            if ans is None:
                continue
            # Stats moves with every call; every other answer is the same message in all
            # four ways of asking.
            if method != "Stats" and method in answers:
                check(f"{how} equals the first answer", ans == answers[method])
            answers.setdefault(method, ans)
    print(f"ok {method}")

check("a list page has three areas", len(answers["ListAreas"].areas) == 3)
check("and a next page token", answers["ListAreas"].next_page_token != "")
check("enums parse to their values", answers["GetArea"].priority != 0)
check("64-bit revisions parse", answers["GetArea"].meta.mod_revision > 0)
assignment = answers["ListAssignments"].assignments[0].id
for enc in ("json", "proto"):
    status, ans, _ = call("GetAssignment", request("GetAssignment", json.dumps({"id": assignment})),
                          enc)
    check(f"GetAssignment ({enc})", status == 200 and ans.id == assignment)

# A write in each encoding, with the admin's token, read back as the generated type.
for enc, area_id in (("json", "py-json"), ("proto", "py-proto")):
    put = request("PutArea", json.dumps({"area": {
        "id": area_id, "name": f"Written in {enc}", "priority": "AREA_PRIORITY_MONITORED",
        "rank": 11}}))
    status, ans, err = call("PutArea", put, enc)
    check(f"anonymous PutArea ({enc}) refused", status == 401 and err["code"] == "unauthenticated",
          f"{status} {err}")
    status, ans, err = call("PutArea", put, enc, token=ADMIN)
    check(f"PutArea ({enc})", status == 200, f"{status} {err}")
    if ans is not None:
        check(f"PutArea ({enc}) answers the area", ans.id == area_id and ans.rank == 11)
        check(f"PutArea ({enc}) has a revision", ans.meta.mod_revision > 0)
    status, got, err = call("GetArea", request("GetArea", json.dumps({"id": area_id})), enc)
    check(f"GetArea of the write ({enc})", status == 200 and got == ans, f"{status} {err}")
    print(f"ok PutArea ({enc})")

# A goal the demo does not have: GetGoal's answer is Connect's not_found in both encodings.
for enc in ("json", "proto"):
    status, _, err = call("GetGoal", request("GetGoal", '{"id": "ai/99"}'), enc)
    check(f"GetGoal of no goal ({enc})", status == 404 and err["code"] == "not_found", str(err))

# A Connect error parses as Connect's error JSON.
status, _, err = call("GetArea", request("GetArea", '{"id": "no-such-area"}'), "proto")
check("not_found", status == 404 and err["code"] == "not_found" and err["message"], str(err))
print(f"{failures} failed")
sys.exit(1 if failures else 0)
