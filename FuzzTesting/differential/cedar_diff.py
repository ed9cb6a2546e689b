#!/usr/bin/env python3
"""Differential tester: Wicket's Cedar engine against the Rust engine (cedarpy 4.12.2).

A seeded, grammar-based generator writes policies, entities (with tags and extension values),
contexts and requests -- Unicode in several normalisation forms, the limits of Long, decimal,
datetime and duration, and deliberately bad input -- and both engines answer every case: decision,
determining policies and erroring policies must agree, and an input one engine refuses must be
refused by the other. Wicket answers the whole run in one process (`wicket authorize --batch`).

    python FuzzTesting/differential/cedar_diff.py --wicket .build/debug/wicket --cases 5000 --seed 1
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time

# -- vocabulary --------------------------------------------------------------------------------

# Look-alikes: each group holds strings that differ only in Unicode normalisation (or compatibility).
LOOKALIKES = [
    ["\u00c5", "\u212b", "A\u030a"],            # Å: precomposed, Angstrom sign, A + ring
    ["\u00e9", "e\u0301"],                      # é
    ["K", "\u212a"],                            # Latin K, Kelvin sign
    ["\uac00", "\u1100\u1161"],                 # Hangul syllable, conjoining jamo
    ["\u00c5ngstr\u00f6m", "\u212bngstro\u0308m", "A\u030angstr\u00f6m"],
    ["fi", "\ufb01"],                           # compatibility ligature (NFKC only)
    [";", "\u037e"],                            # Greek question mark (canonically ';')
]
PLAIN = ["alice", "bob", "", "a b", "x\"y", "tab\there", "\U0001F600", "Z", "admin", "a*b", "*"]
TYPES = ["User", "Group", "Doc", "NS::Thing"]
ACTIONS = ["read", "write", "\u00c5", "\u212b"]
ATTR_IDENTS = ["name", "age", "owner", "flag", "tags", "n", "ip", "when", "d", "t"]
ATTR_STRINGS = ["\u00c5", "\u212b", "A\u030a", "e\u0301", "\u00e9", "a b", "if", "__cedar", "K", "\u212a", ""]
RESERVED = ["if", "then", "else", "true", "false", "in", "is", "like", "has", "__cedar"]
LONGS = [0, 1, -1, 7, 42, 2**63 - 1, -(2**63), 2**62, -(2**62), 3037000499, 3037000500]
# Each extension type: values the engines accept (several at the limits), then ones they refuse.
DECIMALS = (["0.0", "1.5", "-1.5", "1.2345", "922337203685477.5807", "-922337203685477.5808", "-0.0001", "0.1000"],
            ["922337203685477.5808", "1.23456", "1.", ".5", "abc", "-922337203685477.5809", "+1.0", "1.0e2", "1",
             "1.0 ", "1,0", "--1.0", "0x1.0", "\u0661.0"])
IPS = (["127.0.0.1", "127.0.0.0/8", "127.0.0.0/7", "127.1.2.3/9", "126.0.0.0/7", "224.0.0.0/4", "224.0.0.0/3",
        "239.1.1.1", "ff00::/8", "ff00::/7", "ff02::1", "::1", "::1/127", "::1/128", "::", "10.0.0.0/8",
        "10.1.2.3", "192.168.0.1/24", "2001:db8::/32", "0.0.0.0/0", "::/0", "127.0.0.1/32"],
       ["1.2.3.4/33", "1.2.3", "::1/129", "01.2.3.4", "1.2.3.4/08", "::1::", "1.2.3.4 ", "::ffff:127.0.0.1",
        "[::1]", "fe80::1%eth0", "1.2.3.4/", "/8", "1::2::3", "1.2.3.4.5", "256.1.1.1", "::1/-1", "1.2.3.4/+8",
        "::1.2.3.4", "FF00::/8", "0:0:0:0:0:0:0:1/128", "1:2:3:4:5:6:7:8:9", "\u0661.2.3.4"])
DATETIMES = (["2024-01-01", "2024-02-29T12:00:00Z", "2024-01-01T00:00:00.123Z", "2024-01-01T00:00:00+0100",
              "2024-01-01T00:00:00.999-2359", "1970-01-01", "0000-01-01", "9999-12-31T23:59:59.999Z",
              "1969-12-31T23:59:59.999Z", "2024-01-01T00:00:00-0001", "0001-01-01T00:00:00+2359"],
             ["2023-02-29", "2024-13-01", "2024-01-01T24:00:00Z", "2024-1-1", "2024-01-01T00:00:00+2400", "2024-01-01T00:00:00",
              "2024-01-01T00:00:00.1Z", "2024-01-01T00:00:00z", "2024-01-01T23:59:60Z", "2024-01-01T00:00:00+01:00",
              "2024-01-01 00:00:00Z", "+2024-01-01", "-0001-01-01", "2024-00-10", "2024-01-32", "2024-01-01T00:00Z",
              "2024-01-01T00:00:00.1234Z", "2024-01-01T00:00:00+0160", "10000-01-01"])
DURATIONS = (["0ms", "1d", "1d2h3m4s5ms", "-1h", "9223372036854775807ms", "-9223372036854775808ms",
              "106751991167d", "-0s", "2562047788015h", "1h30m", "-106751991167d", "0d0h0m0s0ms", "1d0ms",
              "153722867280912930m", "9223372036854775s", "-9223372036854775s"],
             ["9223372036854775808ms", "106751991168d", "1h1d", "", "1x", "1d-1h", "1d1d", "-", "1ms1s", "1.5h",
              "1 h", "+1h", "--1h", "1D", "9223372036854775807d", "1h-", "0x1ms"])


class Gen:
    def __init__(self, rng):
        self.r = rng

    def pick(self, xs):
        return xs[self.r.randrange(len(xs))]

    def ext_arg(self, table):
        good, bad = table
        return self.pick(bad) if self.chance(0.04) else self.pick(good)

    def chance(self, p):
        return self.r.random() < p

    # text ------------------------------------------------------------------------------------
    def text(self):
        if self.chance(0.55):
            return self.pick(self.pick(LOOKALIKES))
        return self.pick(PLAIN)

    def uid(self, types=None):
        return (self.pick(types or TYPES), self.text())

    # Cedar literals ---------------------------------------------------------------------------
    def cedar_string(self, s, escapes=True, pattern=False):
        out = []
        for ch in s:
            c = ord(ch)
            if ch == '"':
                out.append('\\"')
            elif ch == "\\":
                out.append("\\\\")
            elif ch == "\t":
                out.append(self.pick(["\\t", "\t", "\\x09", "\\u{9}"]) if escapes else "\\t")
            elif ch == "*":
                out.append("\\*" if pattern and self.chance(0.5) else ("\\x2a" if self.chance(0.2) else "*"))
            elif escapes and c < 0x80 and self.chance(0.08):
                out.append("\\x%02x" % c if c != ord("*") else "*")
            elif escapes and c >= 0x80 and self.chance(0.15):
                out.append(self.pick(["\\u{%x}" % c, "\\u{%X}" % c, "\\u{0%x}" % c]))
            else:
                out.append(ch)
        return '"' + "".join(out) + '"'

    def euid_lit(self, uid):
        t, i = uid
        return '%s::%s' % (t, self.cedar_string(i))

    def long_lit(self):
        n = self.pick(LONGS) if self.chance(0.6) else self.r.randint(-20, 20)
        if n < 0:
            return "-%d" % -n if n != -(2**63) else "-9223372036854775808"
        return str(n)

    # expressions ------------------------------------------------------------------------------
    def var(self):
        return self.pick(["principal", "resource", "context", "action"])

    def attr_access(self, base=None):
        base = base or self.var()
        if self.chance(0.6):
            return "%s.%s" % (base, self.pick(ATTR_IDENTS))
        return "%s[%s]" % (base, self.cedar_string(self.pick(ATTR_STRINGS + ATTR_IDENTS)))

    def ext_lit(self):
        k = self.r.randrange(4)
        if k == 0:
            return 'ip("%s")' % self.ext_arg(IPS)
        if k == 1:
            return 'decimal("%s")' % self.ext_arg(DECIMALS)
        if k == 2:
            return 'datetime("%s")' % self.ext_arg(DATETIMES)
        return 'duration("%s")' % self.ext_arg(DURATIONS)

    def value_expr(self, d):
        k = self.r.randrange(12 if d > 0 else 7)
        if k == 0:
            return self.long_lit()
        if k == 1:
            return self.cedar_string(self.text())
        if k == 2:
            return self.attr_access()
        if k == 3:
            return self.euid_lit(self.uid())
        if k == 4:
            return self.ext_lit()
        if k == 5:
            return self.pick(["true", "false"])
        if k == 6:
            return "%s[%s]" % (self.pick(["context", "principal"]), self.cedar_string(self.pick(ATTR_STRINGS)))
        if k == 7:
            return "[%s]" % ", ".join(self.value_expr(d - 1) for _ in range(self.r.randrange(4)))
        if k == 8:
            keys = [self.pick(ATTR_STRINGS + ATTR_IDENTS) for _ in range(self.r.randrange(4))]
            fields = []
            for key in keys:
                ident = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) and (key not in RESERVED or self.chance(0.05))
                kt = key if (ident and self.chance(0.5)) else self.cedar_string(key)
                fields.append("%s: %s" % (kt, self.value_expr(d - 1)))
            return "{%s}" % ", ".join(fields)
        if k == 9:
            return "(%s %s %s)" % (self.value_expr(d - 1), self.pick(["+", "-", "*"]), self.value_expr(d - 1))
        if k == 10:
            return "(if %s then %s else %s)" % (self.bool_expr(d - 1), self.value_expr(d - 1), self.value_expr(d - 1))
        return "%s.%s(%s)" % (self.ext_lit(), self.pick(["offset", "durationSince", "toDate", "toTime", "toDays",
                                                         "toHours", "toMilliseconds"]),
                              self.ext_lit() if self.chance(0.5) else "")

    def bool_expr(self, d):
        k = self.r.randrange(18 if d > 0 else 12)
        if k == 0:
            return "%s %s %s" % (self.value_expr(d), self.pick(["==", "!="]), self.value_expr(d))
        if k == 1:
            return "%s %s %s" % (self.value_expr(d), self.pick(["<", "<=", ">", ">="]), self.value_expr(d))
        if k == 2:
            pat = self.text() if self.chance(0.5) else self.pick(["*", "A*", "*\u030a*", "\u00c5*", "*m", "a\\*b", "**"])
            return "%s like %s" % (self.value_expr(d), self.cedar_string(pat, pattern=True))
        if k == 3:
            base = self.var()
            if self.chance(0.5):
                return "%s has %s" % (base, self.pick(ATTR_IDENTS))
            return "%s has %s" % (base, self.cedar_string(self.pick(ATTR_STRINGS)))
        if k == 4:
            return "%s in %s" % (self.pick(["principal", "resource", self.euid_lit(self.uid())]),
                                 self.euid_lit(self.uid()) if self.chance(0.6) else
                                 "[%s]" % ", ".join(self.euid_lit(self.uid()) for _ in range(self.r.randrange(3))))
        if k == 5:
            return "%s.%s(%s)" % (self.value_expr(d), self.pick(["contains", "containsAll", "containsAny"]), self.value_expr(d))
        if k == 6:
            return "%s.%s()" % ('ip("%s")' % self.ext_arg(IPS) if self.chance(0.7) else self.value_expr(d),
                                self.pick(["isLoopback", "isMulticast", "isIpv4", "isIpv6"]))
        if k == 7:
            return 'ip("%s").isInRange(ip("%s"))' % (self.ext_arg(IPS), self.ext_arg(IPS))
        if k == 8:
            a, b = self.r.randrange(4), None
            lits = [lambda: 'decimal("%s")' % self.ext_arg(DECIMALS), lambda: 'datetime("%s")' % self.ext_arg(DATETIMES),
                    lambda: 'duration("%s")' % self.ext_arg(DURATIONS)]
            f = self.pick(lits)
            if a == 0:
                return "%s.%s(%s)" % (f(), self.pick(["lessThan", "lessThanOrEqual", "greaterThan", "greaterThanOrEqual"]), f())
            return "%s %s %s" % (f(), self.pick(["<", "<=", "==", ">"]), f())
        if k == 9:
            return "%s is %s" % (self.pick(["principal", "resource", self.euid_lit(self.uid())]), self.pick(TYPES))
        if k == 10:
            return "%s.%s(%s)" % (self.pick(["principal", "resource"]), self.pick(["hasTag", "getTag"]),
                                  self.cedar_string(self.pick(ATTR_STRINGS + ATTR_IDENTS)))
        if k == 11:
            return "%s.isEmpty()" % self.value_expr(d)
        if k == 12:
            return "(%s && %s)" % (self.bool_expr(d - 1), self.bool_expr(d - 1))
        if k == 13:
            return "(%s || %s)" % (self.bool_expr(d - 1), self.bool_expr(d - 1))
        if k == 14:
            return "!(%s)" % self.bool_expr(d - 1)
        if k == 15:
            return "(if %s then %s else %s)" % (self.bool_expr(d - 1), self.bool_expr(d - 1), self.bool_expr(d - 1))
        if k == 16:
            return "%s == %s" % (self.attr_access(), self.cedar_string(self.text()))
        return "%s.getTag(%s) == %s" % (self.pick(["principal", "resource"]), self.cedar_string(self.pick(ATTR_STRINGS)),
                                        self.value_expr(d - 1))

    def scope_part(self, var, types):
        k = self.r.randrange(8)
        if k == 0 or k >= 5:
            return var
        if k == 1:
            return "%s == %s" % (var, self.euid_lit(self.uid(types)))
        if k == 2:
            return "%s in %s" % (var, self.euid_lit(self.uid(types)))
        if k == 3:
            return "%s is %s" % (var, self.pick(TYPES))
        return "%s is %s in %s" % (var, self.pick(TYPES), self.euid_lit(self.uid(types)))

    def action_scope(self):
        k = self.r.randrange(3)
        if k == 0:
            return "action"
        if k == 1:
            return 'action == Action::%s' % self.cedar_string(self.pick(ACTIONS))
        return "action in [%s]" % ", ".join('Action::%s' % self.cedar_string(self.pick(ACTIONS))
                                            for _ in range(self.r.randrange(3)))

    def policy(self):
        parts = ["%s(%s, %s, %s)" % (self.pick(["permit", "permit", "forbid"]), self.scope_part("principal", None),
                                     self.action_scope(), self.scope_part("resource", None))]
        for _ in range(self.r.choice([0, 1, 1, 2])):
            parts.append("%s { %s }" % (self.pick(["when", "unless"]), self.bool_expr(2)))
        ann = ""
        if self.chance(0.2):
            ann = '@id(%s) ' % self.cedar_string(self.text())
        return ann + " ".join(parts) + ";"

    def corrupt(self, text):
        k = self.r.randrange(7)
        if k == 0:
            return text[: self.r.randrange(len(text) + 1)]
        if k == 1:
            return text.replace("when {", "when { context.%s == 1 || " % self.pick(RESERVED), 1) if "when {" in text else text + " permit(principal, action, resource) when { context has %s };" % self.pick(RESERVED)
        if k == 2:
            return text + ' permit(principal, action, resource) when { "a\rb" == "a" };'
        if k == 3:
            return text + ' permit(principal, action, resource) when { %s };' % self.pick(
                ['"\\x80" == ""', '"\\x4" == ""', '"\\u{}" == ""', '"\\u{D800}" == ""', '"\\u{_41}" == ""',
                 '"\\u{4_1}" == "A"', '"\\q" == ""', '{a: 1, a: 2} == {}', '{"\u00c5": 1, "\u212b": 2} has "\u00c5"',
                 '{"\u00c5": 1, "\u00c5": 2} == {}', '%s::"x" == 1' % self.pick(RESERVED), '{%s: 1} == {}' % self.pick(RESERVED)])
        if k == 4:
            return text + " permit(principal, action, resource) when { 1 + };"
        if k == 5:
            return text + ' permit(principal, action, resource) when { principal.%s() };' % self.pick(["isIpv4", "foo", "if"])
        return text + ' permit(principal, action, resource) when { "a\\\n" == "a" };'

    def policies(self):
        text = "\n".join(self.policy() for _ in range(1 + self.r.randrange(4)))
        if self.chance(0.06):
            text = self.corrupt(text)
        return text

    # JSON values -----------------------------------------------------------------------------
    def json_value(self, d, uids):
        k = self.r.randrange(9 if d > 0 else 6)
        if k == 0:
            return self.pick(LONGS) if self.chance(0.5) else self.r.randint(-5, 5)
        if k == 1:
            return self.text()
        if k == 2:
            return self.chance(0.5)
        if k == 3:
            t, i = self.pick(uids) if uids and self.chance(0.7) else self.uid()
            return {"__entity": {"type": t, "id": i}}
        if k == 4:
            fn, vals = self.pick([("ip", IPS), ("decimal", DECIMALS), ("datetime", DATETIMES), ("duration", DURATIONS)])
            return {"__extn": {"fn": fn, "arg": self.ext_arg(vals) if self.chance(0.2) else self.pick(vals[0])}}
        if k == 5:
            return self.text()
        if k == 6:
            return [self.json_value(d - 1, uids) for _ in range(self.r.randrange(4))]
        return self.json_record(d - 1, uids)

    def json_record(self, d, uids):
        rec = {}
        for _ in range(self.r.randrange(5)):
            rec[self.pick(ATTR_IDENTS + ATTR_STRINGS)] = self.json_value(d, uids)
        return rec

    def entities(self):
        uids = []
        for _ in range(2 + self.r.randrange(7)):
            u = self.uid()
            if u not in uids:
                uids.append(u)
        ents = []
        for idx, (t, i) in enumerate(uids):
            # Parents only point "forward" so the hierarchy is acyclic unless we break it on purpose.
            parents = [uids[j] for j in range(idx + 1, len(uids)) if self.chance(0.3)]
            if self.chance(0.3):
                extra = self.uid()
                if extra not in uids:
                    parents.append(extra)
            e = {"uid": {"type": t, "id": i}, "attrs": self.json_record(2, uids),
                 "parents": [{"type": pt, "id": pi} for pt, pi in parents]}
            if self.chance(0.4):
                e["tags"] = self.json_record(1, uids)
            ents.append(e)
        bad = self.r.random()
        if bad < 0.03 and len(ents) > 1:
            ents[-1]["parents"].append(dict(ents[0]["uid"]))  # a cycle (when 0 reaches the last)
            ents[0]["parents"].append(dict(ents[-1]["uid"]))
        elif bad < 0.06:
            dup = json.loads(json.dumps(ents[0]))
            if self.chance(0.5):
                dup["attrs"]["extra"] = 1
            ents.append(dup)
        elif bad < 0.09:
            ents[0]["foo"] = {"unknown": True}
        elif bad < 0.10:
            ents[0]["uid"]["extra"] = 1  # ignored by the CLI, like unknown entity fields
            if ents[0]["parents"]:
                ents[0]["parents"][0] = dict(ents[0]["parents"][0], note="x")
        elif bad < 0.11:
            del ents[-1][self.pick(["attrs", "parents"])]  # both are required
        return ents, uids

    # An `__extn` naming an unknown function is left out: Wicket refuses it on input, where the Rust
    # engine defers the error until the value is read (a deliberate difference, see
    # DifferentialRegressionTests.unknownExtensionFunctionsAreRefusedOnInput).
    ODD_JSON = ['1.0', '1e2', '-0', '9223372036854775808', '-9223372036854775809', '"\\ud800"', '"\\udc00x"',
                'null', '{"__extn": {"fn": "ip", "arg": "1.2.3.4", "extra": 1}}', '{"__entity": {"type": "User"}}',
                '{"__entity": {"type": "if", "id": "a"}}', '{"__entity": {"type": "A::__cedar", "id": "a"}}',
                '{"__extn": {"fn": "decimal", "arg": 1}}', '{"__entity": 5}', '{"__entity": {"type": "User"}}',
                '{"__entity": {"type": "User", "id": "a", "extra": 1}}', '{"__extn": {"fn": "ip"}}', '{"__extn": "x"}',
                '{"__expr": 5}', '{"__expr": "1"}', '[-0]', '{"__extn": {"fn": "ip", "arg": "1.2.3.4", "x": 1}}',
                '{"type": "User", "id": "a"}', '{"__entity": {"type": "User", "id": "a"}, "x": 1}',
                '{"__expr": "1"}', '[1, "a", true]', '{"__extn": {"fn": "offset", "args": [{"__extn": {"fn": "datetime", "arg": "2024-01-01"}}, {"__extn": {"fn": "duration", "arg": "1d"}}]}}']

    def context_text(self, uids):
        rec = self.json_record(2, uids)
        if self.chance(0.03):
            return self.pick(["[]", "null", "1", '"x"', '{"a": }'])
        if self.chance(0.08):
            key = self.pick(ATTR_IDENTS + ATTR_STRINGS)
            body = json.dumps(rec)[1:-1]
            return "{" + body + (", " if body else "") + json.dumps(key) + ": " + self.pick(self.ODD_JSON) + "}"
        text = json.dumps(rec, ensure_ascii=self.chance(0.5))
        if self.chance(0.05) and rec:
            key = next(iter(rec))
            text = text[:-1] + (", " if rec else "") + json.dumps(key) + ": 12345}"  # repeated key: the last wins
        return text

    def case(self):
        ents, uids = self.entities()
        pool = uids + [self.uid() for _ in range(2)]
        p = self.pick(pool)
        r = self.pick(pool)
        a = ("Action", self.pick(ACTIONS))
        req = [{"type": p[0], "id": p[1]}, {"type": a[0], "id": a[1]}, {"type": r[0], "id": r[1]}]
        if self.chance(0.03):
            odd = self.pick([{"extra": 1}, {"type": self.pick(["if", "A::__cedar", "User ", "A::", "1A", "Action"])}])
            req[self.r.randrange(3)].update(odd)
        context = self.context_text(uids)
        request = '{"principal": %s, "action": %s, "resource": %s, "context": %s}' % (
            json.dumps(req[0]), json.dumps(req[1]), json.dumps(req[2]), context)
        # `uids` and `context` repeat the request for cedarpy (the batch reader ignores them).
        return {"policies": self.policies(), "entities": json.dumps(ents), "request": request,
                "uids": req, "context": context}


# -- the two engines ---------------------------------------------------------------------------

ERR_RE = re.compile(r"^error while evaluating policy `(.*?)`", re.S)


def rust_answer(cedarpy, case):
    p, a, r = case["uids"]
    try:
        # The context goes in as text so that a repeated key reaches the engine's own JSON reader.
        res = cedarpy.is_authorized({"principal": p, "action": a, "resource": r, "context": case["context"]},
                                    case["policies"], case["entities"])
    except Exception as e:  # noqa: BLE001 - any refusal is an "error" answer
        return {"error": "cedarpy raised %s" % e}
    if res.decision.value == "NoDecision":
        return {"error": "; ".join(res.diagnostics.errors)}
    errors = sorted({m.group(1) for m in (ERR_RE.match(e) for e in res.diagnostics.errors) if m})
    return {"decision": res.decision.value.lower(), "reasons": sorted(res.diagnostics.reasons), "errors": errors}


def wicket_answers(wicket, cases):
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        for c in cases:
            f.write(json.dumps(c) + "\n")
        path = f.name
    try:
        out = subprocess.run([wicket, "authorize", "--batch", path], capture_output=True, check=True, timeout=3600)
    finally:
        os.unlink(path)
    lines = out.stdout.decode("utf-8").splitlines()
    if len(lines) != len(cases):
        raise RuntimeError("wicket answered %d lines for %d cases" % (len(lines), len(cases)))
    return [json.loads(line) for line in lines]


def same(a, b):
    if "error" in a or "error" in b:
        return ("error" in a) == ("error" in b)
    return a == b


def run(wicket, seed, cases, chunk=5000, show=5, out=sys.stdout):
    import cedarpy

    gen = Gen(random.Random(seed))
    total = 0
    disagreements = []
    start = time.time()
    while total < cases:
        batch = [gen.case() for _ in range(min(chunk, cases - total))]
        ours = wicket_answers(wicket, batch)
        for c, w in zip(batch, ours):
            r = rust_answer(cedarpy, c)
            if not same(w, r):
                disagreements.append((c, w, r))
        total += len(batch)
    for c, w, r in disagreements[:show]:
        print("DISAGREEMENT\n  case: %s\n  wicket: %s\n  rust:   %s" % (json.dumps(c, ensure_ascii=False), w, r), file=out)
    print("seed %d: %d cases, %d disagreements (%.4f%% agreement) in %.0fs" % (
        seed, total, len(disagreements), 100.0 * (total - len(disagreements)) / max(total, 1), time.time() - start), file=out)
    return total, disagreements


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wicket", default=os.environ.get("WICKET_BIN", ".build/debug/wicket"))
    ap.add_argument("--cases", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--show", type=int, default=5)
    a = ap.parse_args()
    _, dis = run(a.wicket, a.seed, a.cases, show=a.show)
    sys.exit(1 if dis else 0)


if __name__ == "__main__":
    main()
