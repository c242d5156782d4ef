#!/usr/bin/env python3
"""A standalone STIX 2.1 bundle checker (no network, standard library only).

Checks a bundle against the OASIS STIX 2.1 specification: the bundle and
its identifiers (section 2.9, 3), the common properties of SDOs, SROs and
SCOs (3.2), timestamps (3.2), per-type required properties (4, 5, 6),
the relationship tables of each SDO (4.x "Relationships"), references that
resolve inside the bundle, duplicate identifiers, hash vocabularies
(10.11), custom properties (11.1) and the STIX patterning grammar (9).

  stix_check.py [--strict] BUNDLE.json...   exit 0 valid, 1 invalid
  stix_check.py --self-test                 the checker checks itself

Every problem is printed as FILE:OBJECT-ID:PROPERTY: problem. Warnings
(SHOULD-level advice) are printed too and fail the run only with --strict.
python3-stix2 is not packaged in Debian 12, hence this file.
"""

import datetime
import json
import re
import sys
import uuid

SCO_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")

SDO_TYPES = {
    "attack-pattern", "campaign", "course-of-action", "grouping", "identity", "incident", "indicator",
    "infrastructure", "intrusion-set", "location", "malware", "malware-analysis", "note", "observed-data",
    "opinion", "report", "threat-actor", "tool", "vulnerability",
}
SRO_TYPES = {"relationship", "sighting"}
SCO_TYPES = {
    "artifact", "autonomous-system", "directory", "domain-name", "email-addr", "email-message", "file",
    "ipv4-addr", "ipv6-addr", "mac-addr", "mutex", "network-traffic", "process", "software", "url",
    "user-account", "windows-registry-key", "x509-certificate",
}
META_TYPES = {"language-content", "marking-definition", "extension-definition"}

COMMON_SDO = {
    "type", "spec_version", "id", "created_by_ref", "created", "modified", "revoked", "labels", "confidence",
    "lang", "external_references", "object_marking_refs", "granular_markings", "extensions",
}
COMMON_SCO = {"type", "spec_version", "id", "object_marking_refs", "granular_markings", "defanged", "extensions"}

# Properties of each type beyond the common ones (sections 4, 5, 6, 7).
PROPERTIES = {
    "attack-pattern": {"name", "description", "aliases", "kill_chain_phases"},
    "campaign": {"name", "description", "aliases", "first_seen", "last_seen", "objective"},
    "course-of-action": {"name", "description", "action"},
    "grouping": {"name", "description", "context", "object_refs"},
    "identity": {"name", "description", "roles", "identity_class", "sectors", "contact_information"},
    "incident": {"name", "description", "kill_chain_phases"},
    "indicator": {"name", "description", "indicator_types", "pattern", "pattern_type", "pattern_version",
                  "valid_from", "valid_until", "kill_chain_phases"},
    "infrastructure": {"name", "description", "infrastructure_types", "aliases", "kill_chain_phases",
                       "first_seen", "last_seen"},
    "intrusion-set": {"name", "description", "aliases", "first_seen", "last_seen", "goals", "resource_level",
                      "primary_motivation", "secondary_motivations"},
    "location": {"name", "description", "latitude", "longitude", "precision", "region", "country",
                 "administrative_area", "city", "street_address", "postal_code"},
    "malware": {"name", "description", "malware_types", "is_family", "aliases", "kill_chain_phases", "first_seen",
                "last_seen", "operating_system_refs", "architecture_execution_envs", "implementation_languages",
                "capabilities", "sample_refs"},
    "malware-analysis": {"product", "version", "host_vm_ref", "operating_system_ref", "installed_software_refs",
                         "configuration_version", "modules", "analysis_engine_version",
                         "analysis_definition_version", "submitted", "analysis_started", "analysis_ended",
                         "result_name", "result", "analysis_sco_refs", "sample_ref"},
    "note": {"abstract", "content", "authors", "object_refs"},
    "observed-data": {"first_observed", "last_observed", "number_observed", "objects", "object_refs"},
    "opinion": {"explanation", "authors", "opinion", "object_refs"},
    "report": {"name", "description", "report_types", "published", "object_refs"},
    "threat-actor": {"name", "description", "threat_actor_types", "aliases", "first_seen", "last_seen", "roles",
                     "goals", "sophistication", "resource_level", "primary_motivation", "secondary_motivations",
                     "personal_motivations"},
    "tool": {"name", "description", "tool_types", "aliases", "kill_chain_phases", "tool_version"},
    "vulnerability": {"name", "description"},
    "relationship": {"relationship_type", "description", "source_ref", "target_ref", "start_time", "stop_time"},
    "sighting": {"description", "first_seen", "last_seen", "count", "sighting_of_ref", "observed_data_refs",
                 "where_sighted_refs", "summary"},
    "artifact": {"mime_type", "payload_bin", "url", "hashes", "encryption_algorithm", "decryption_key"},
    "autonomous-system": {"number", "name", "rir"},
    "directory": {"path", "path_enc", "ctime", "mtime", "atime", "contains_refs"},
    "domain-name": {"value", "resolves_to_refs"},
    "email-addr": {"value", "display_name", "belongs_to_ref"},
    "email-message": {"is_multipart", "date", "content_type", "from_ref", "sender_ref", "to_refs", "cc_refs",
                      "bcc_refs", "message_id", "subject", "received_lines", "additional_header_fields", "body",
                      "body_multipart", "raw_email_ref"},
    "file": {"hashes", "size", "name", "name_enc", "magic_number_hex", "mime_type", "ctime", "mtime", "atime",
             "parent_directory_ref", "contains_refs", "content_ref"},
    "ipv4-addr": {"value", "resolves_to_refs", "belongs_to_refs"},
    "ipv6-addr": {"value", "resolves_to_refs", "belongs_to_refs"},
    "mac-addr": {"value"},
    "mutex": {"name"},
    "network-traffic": {"start", "end", "is_active", "src_ref", "dst_ref", "src_port", "dst_port", "protocols",
                        "src_byte_count", "dst_byte_count", "src_packets", "dst_packets", "ipfix",
                        "src_payload_ref", "dst_payload_ref", "encapsulates_refs", "encapsulated_by_ref"},
    "process": {"is_hidden", "pid", "created_time", "cwd", "command_line", "environment_variables",
                "opened_connection_refs", "creator_user_ref", "image_ref", "parent_ref", "child_refs"},
    "software": {"name", "cpe", "swid", "languages", "vendor", "version"},
    "url": {"value"},
    "user-account": {"user_id", "credential", "account_login", "account_type", "display_name", "is_service_account",
                     "is_privileged", "can_escalate_privs", "is_disabled", "account_created", "account_expires",
                     "credential_last_changed", "account_first_login", "account_last_login"},
    "windows-registry-key": {"key", "values", "modified_time", "creator_user_ref", "number_of_subkeys"},
    "x509-certificate": {"is_self_signed", "hashes", "version", "serial_number", "signature_algorithm", "issuer",
                         "validity_not_before", "validity_not_after", "subject", "subject_public_key_algorithm",
                         "subject_public_key_modulus", "subject_public_key_exponent", "x509_v3_extensions"},
}

# Required properties beyond the common ones.
REQUIRED = {
    "attack-pattern": ["name"], "campaign": ["name"], "course-of-action": ["name"],
    "grouping": ["context", "object_refs"], "identity": ["name"], "incident": ["name"],
    "indicator": ["pattern", "pattern_type", "valid_from"], "infrastructure": ["name"],
    "intrusion-set": ["name"], "malware": ["is_family"], "malware-analysis": ["product"],
    "note": ["content", "object_refs"],
    "observed-data": ["first_observed", "last_observed", "number_observed"],
    "opinion": ["opinion", "object_refs"], "report": ["name", "published", "object_refs"],
    "threat-actor": ["name"], "tool": ["name"], "vulnerability": ["name"],
    "relationship": ["relationship_type", "source_ref", "target_ref"], "sighting": ["sighting_of_ref"],
    "autonomous-system": ["number"], "domain-name": ["value"], "email-addr": ["value"],
    "email-message": ["is_multipart"], "ipv4-addr": ["value"], "ipv6-addr": ["value"], "mac-addr": ["value"],
    "mutex": ["name"], "network-traffic": ["protocols"], "software": ["name"], "url": ["value"],
    "directory": ["path"], "x509-certificate": [],
}

# Timestamp-valued properties beyond created/modified.
TIMESTAMPS = {
    "campaign": ["first_seen", "last_seen"], "indicator": ["valid_from", "valid_until"],
    "infrastructure": ["first_seen", "last_seen"], "intrusion-set": ["first_seen", "last_seen"],
    "malware": ["first_seen", "last_seen"], "observed-data": ["first_observed", "last_observed"],
    "report": ["published"], "relationship": ["start_time", "stop_time"], "sighting": ["first_seen", "last_seen"],
    "threat-actor": ["first_seen", "last_seen"], "file": ["ctime", "mtime", "atime"],
    "directory": ["ctime", "mtime", "atime"], "network-traffic": ["start", "end"],
}
# (later, strictly after?, earlier)
ORDERED = {
    "indicator": [("valid_until", True, "valid_from")], "relationship": [("stop_time", True, "start_time")],
    "campaign": [("last_seen", False, "first_seen")], "intrusion-set": [("last_seen", False, "first_seen")],
    "threat-actor": [("last_seen", False, "first_seen")], "malware": [("last_seen", False, "first_seen")],
    "infrastructure": [("last_seen", False, "first_seen")], "sighting": [("last_seen", False, "first_seen")],
    "observed-data": [("last_observed", False, "first_observed")],
}

# The relationships each SDO defines (source type -> relationship -> target types), from the
# "Relationships" table of each object in section 4, plus the SCO relationships of section 6.
RELATIONSHIPS = {
    "attack-pattern": {"delivers": {"malware"}, "targets": {"identity", "location", "vulnerability"},
                       "uses": {"malware", "tool"}},
    "campaign": {"attributed-to": {"intrusion-set", "threat-actor"}, "compromises": {"infrastructure"},
                 "originates-from": {"location"}, "targets": {"identity", "location", "vulnerability"},
                 "uses": {"attack-pattern", "infrastructure", "malware", "tool"}},
    "course-of-action": {"investigates": {"indicator"},
                         "mitigates": {"attack-pattern", "indicator", "malware", "tool", "vulnerability"},
                         "remediates": {"malware", "vulnerability"}},
    "domain-name": {"resolves-to": {"domain-name", "ipv4-addr", "ipv6-addr"}},
    "identity": {"located-at": {"location"}},
    "indicator": {"indicates": {"attack-pattern", "campaign", "infrastructure", "intrusion-set", "malware",
                                "threat-actor", "tool"},
                  "based-on": {"observed-data"}},
    "infrastructure": {"communicates-with": {"infrastructure", "ipv4-addr", "ipv6-addr", "domain-name", "url"},
                       "consists-of": {"infrastructure", "observed-data"} | SCO_TYPES,
                       "controls": {"infrastructure", "malware"}, "delivers": {"malware"},
                       "has": {"vulnerability"}, "hosts": {"tool", "malware"}, "located-at": {"location"},
                       "uses": {"infrastructure"}},
    "intrusion-set": {"attributed-to": {"threat-actor"}, "compromises": {"infrastructure"},
                      "hosts": {"infrastructure"}, "owns": {"infrastructure"}, "originates-from": {"location"},
                      "targets": {"identity", "location", "vulnerability"},
                      "uses": {"attack-pattern", "infrastructure", "malware", "tool"}},
    "ipv4-addr": {"resolves-to": {"mac-addr"}, "belongs-to": {"autonomous-system"}},
    "ipv6-addr": {"resolves-to": {"mac-addr"}, "belongs-to": {"autonomous-system"}},
    "malware": {"authored-by": {"threat-actor", "intrusion-set"}, "beacons-to": {"infrastructure"},
                "exfiltrates-to": {"infrastructure"},
                "communicates-with": {"ipv4-addr", "ipv6-addr", "domain-name", "url"}, "controls": {"malware"},
                "downloads": {"malware", "file", "tool"}, "drops": {"malware", "file", "tool"},
                "exploits": {"vulnerability"}, "originates-from": {"location"},
                "targets": {"identity", "infrastructure", "location", "vulnerability"},
                "uses": {"attack-pattern", "infrastructure", "malware", "tool"}, "variant-of": {"malware"}},
    "malware-analysis": {"characterizes": {"malware"}, "analysis-of": {"malware"},
                         "static-analysis-of": {"malware"}, "dynamic-analysis-of": {"malware"}},
    "threat-actor": {"attributed-to": {"identity"}, "compromises": {"infrastructure"}, "hosts": {"infrastructure"},
                     "owns": {"infrastructure"}, "impersonates": {"identity"}, "located-at": {"location"},
                     "targets": {"identity", "location", "vulnerability"},
                     "uses": {"attack-pattern", "infrastructure", "malware", "tool"}},
    "tool": {"delivers": {"malware"}, "drops": {"malware"}, "has": {"vulnerability"},
             "targets": {"identity", "infrastructure", "location", "vulnerability"}, "uses": {"infrastructure"}},
}
COMMON_RELATIONSHIPS = {"derived-from", "duplicate-of", "related-to"}
KNOWN_RELATIONSHIPS = {r for table in RELATIONSHIPS.values() for r in table} | COMMON_RELATIONSHIPS

# hash-algorithm-ov (10.11) and the hex length of each fixed-size one.
HASH_HEX = {"MD5": 32, "SHA-1": 40, "SHA-256": 64, "SHA-512": 128, "SHA3-256": 64, "SHA3-512": 128}
HASH_ALGOS = set(HASH_HEX) | {"SSDEEP", "TLSH"}

PATTERN_TYPES = {"stix", "pcre", "sigma", "snort", "suricata", "yara"}

# The TLP marking definitions of section 7.2.1.4: predefined, referable without being in a bundle.
TLP_MARKINGS = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
}

# ID contributing properties of SCOs (section 6, each object's "ID Contributing Properties").
ID_CONTRIBUTING = {
    "artifact": ["hashes", "payload_bin"], "autonomous-system": ["number"], "directory": ["path"],
    "domain-name": ["value"], "email-addr": ["value"], "email-message": ["from_ref", "subject", "body"],
    "file": ["hashes", "name", "extensions", "parent_directory_ref"], "ipv4-addr": ["value"],
    "ipv6-addr": ["value"], "mac-addr": ["value"], "mutex": ["name"],
    "network-traffic": ["start", "end", "src_ref", "dst_ref", "src_port", "dst_port", "protocols", "extensions"],
    "process": [], "software": ["name", "cpe", "swid", "vendor", "version"], "url": ["value"],
    "user-account": ["account_type", "user_id", "account_login"], "windows-registry-key": ["key", "values"],
    "x509-certificate": ["hashes", "serial_number"],
}

TYPE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,248}[a-z0-9]$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-([0-9a-f])[0-9a-f]{3}-([0-9a-f])[0-9a-f]{3}-[0-9a-f]{12}$")
PROP_RE = re.compile(r"^[a-z0-9_]{3,250}$")
CUSTOM_RE = re.compile(r"^x_[a-z0-9_]{1,248}$")
TIME_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?Z$")


class Report:
    def __init__(self, name):
        self.name = name
        self.errors = []
        self.warnings = []

    def error(self, oid, prop, msg):
        self.errors.append("%s:%s:%s: %s" % (self.name, oid or "-", prop or "-", msg))

    def warn(self, oid, prop, msg):
        self.warnings.append("%s:%s:%s: warning: %s" % (self.name, oid or "-", prop or "-", msg))


def parse_time(s):
    """A datetime for a STIX timestamp, or None."""
    if not isinstance(s, str):
        return None
    m = TIME_RE.match(s)
    if not m:
        return None
    try:
        t = datetime.datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)), int(m.group(4)),
                              int(m.group(5)), min(int(m.group(6)), 59))
    except ValueError:
        return None
    frac = (m.group(7) or ".")[1:]
    return (t, int(frac.ljust(9, "0")[:9]) if frac else 0)


def check_id(rep, oid, prop, value, expect_type=None):
    """The identifier format type--UUID (RFC 4122 variant); its UUID version, or None."""
    if not isinstance(value, str) or "--" not in value:
        rep.error(oid, prop, "identifier %r is not type--UUID" % (value,))
        return None
    t, _, u = value.partition("--")
    if not TYPE_RE.match(t):
        rep.error(oid, prop, "identifier %r has an invalid type part" % value)
    if expect_type is not None and t != expect_type:
        rep.error(oid, prop, "identifier %r does not start with the object's type %r" % (value, expect_type))
    m = UUID_RE.match(u)
    if not m:
        rep.error(oid, prop, "identifier %r: %r is not a lower-case UUID" % (value, u))
        return None
    if m.group(2) not in "89ab":
        rep.error(oid, prop, "identifier %r: not an RFC 4122 UUID (variant bits)" % value)
        return None
    return int(m.group(1), 16)


# ---- STIX patterning (section 9) ------------------------------------------

class PatternError(Exception):
    pass


PAT_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<ts>t'[^']*')
  | (?P<bin>b'[A-Za-z0-9+/=]*')
  | (?P<hex>h'[0-9A-Fa-f]*')
  | (?P<str>'(?:[^'\\]|\\.)*')
  | (?P<num>[+-]?(?:\d+\.\d*|\.\d+|\d+))
  | (?P<op><=|>=|!=|=|<|>)
  | (?P<punct>[\[\]():.,*])
  | (?P<word>[A-Za-z_][A-Za-z0-9_-]*)
""", re.X)
KEYWORDS = {"AND", "OR", "NOT", "FOLLOWEDBY", "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET", "IN", "EXISTS",
            "START", "STOP", "WITHIN", "SECONDS", "REPEATS", "TIMES", "true", "false"}


def pattern_tokens(text):
    pos, out = 0, []
    while pos < len(text):
        m = PAT_TOKEN.match(text, pos)
        if not m:
            raise PatternError("unexpected character %r at offset %d" % (text[pos], pos))
        kind = m.lastgroup
        if kind == "str":
            body = m.group()[1:-1]
            for esc in re.finditer(r"\\(.)", body):
                if esc.group(1) not in "'\\":
                    raise PatternError("invalid escape \\%s in string at offset %d" % (esc.group(1), pos))
        if kind != "ws":
            out.append((kind, m.group(), pos))
        pos = m.end()
    return out


class PatternParser:
    """Recursive descent over the grammar of section 9.3; check() raises PatternError."""

    def __init__(self, text):
        self.text = text
        self.toks = pattern_tokens(text)
        self.i = 0
        self.objects = []  # object types per observation expression

    def peek(self, k=0):
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else ("end", "", len(self.text))

    def take(self, kind=None, value=None):
        t = self.peek()
        if (kind and t[0] != kind) or (value is not None and t[1] != value):
            want = value if value is not None else kind
            raise PatternError("expected %s at offset %d, found %r" % (want, t[2], t[1] or "the end"))
        self.i += 1
        return t

    def is_word(self, w, k=0):
        t = self.peek(k)
        return t[0] == "word" and t[1] == w

    def check(self):
        if not self.toks:
            raise PatternError("empty pattern")
        self.observation_expressions()
        if self.peek()[0] != "end":
            t = self.peek()
            raise PatternError("unexpected %r at offset %d" % (t[1], t[2]))

    def observation_expressions(self):
        self.observation_or()
        while self.is_word("FOLLOWEDBY"):
            self.i += 1
            self.observation_or()

    def observation_or(self):
        self.observation_and()
        while self.is_word("OR"):
            self.i += 1
            self.observation_and()

    def observation_and(self):
        self.observation()
        while self.is_word("AND"):
            self.i += 1
            self.observation()

    def observation(self):
        t = self.peek()
        if t[1] == "[":
            self.i += 1
            types = set()
            self.comparison_or(types)
            self.take("punct", "]")
        elif t[1] == "(":
            self.i += 1
            self.observation_expressions()
            self.take("punct", ")")
        else:
            raise PatternError("expected '[' or '(' at offset %d, found %r" % (t[2], t[1] or "the end"))
        self.qualifiers()

    def qualifiers(self):
        while True:
            if self.is_word("START"):
                self.i += 1
                start = self.take("ts")
                self.take("word", "STOP")
                stop = self.take("ts")
                a, b = parse_time(start[1][2:-1]), parse_time(stop[1][2:-1])
                if a is None or b is None:
                    raise PatternError("START/STOP need STIX timestamps at offset %d" % start[2])
                if b <= a:
                    raise PatternError("STOP is not after START at offset %d" % stop[2])
            elif self.is_word("WITHIN"):
                self.i += 1
                n = self.take("num")
                if float(n[1]) <= 0:
                    raise PatternError("WITHIN needs a positive number at offset %d" % n[2])
                self.take("word", "SECONDS")
            elif self.is_word("REPEATS"):
                self.i += 1
                n = self.take("num")
                if not re.match(r"^\d+$", n[1]) or int(n[1]) <= 0:
                    raise PatternError("REPEATS needs a positive integer at offset %d" % n[2])
                self.take("word", "TIMES")
            else:
                return

    def comparison_or(self, types):
        self.comparison_and(types)
        while self.is_word("OR"):
            self.i += 1
            self.comparison_and(types)

    def comparison_and(self, types):
        local = set()
        self.comparison(local)
        while self.is_word("AND"):
            self.i += 1
            self.comparison(local)
        if len(local) > 1:
            raise PatternError("comparisons joined by AND name different object types: %s" % ", ".join(sorted(local)))
        types |= local

    def comparison(self, types):
        t = self.peek()
        if t[1] == "(":
            self.i += 1
            self.comparison_or(types)
            self.take("punct", ")")
            return
        if self.is_word("EXISTS"):
            self.i += 1
            types.add(self.object_path())
            return
        types.add(self.object_path())
        if self.is_word("NOT"):
            self.i += 1
        t = self.peek()
        if t[0] == "op":
            self.i += 1
            if t[1] in ("=", "!="):
                self.primitive()
            else:
                self.orderable()
        elif t[0] == "word" and t[1] == "IN":
            self.i += 1
            self.take("punct", "(")
            self.primitive()
            while self.peek()[1] == ",":
                self.i += 1
                self.primitive()
            self.take("punct", ")")
        elif t[0] == "word" and t[1] in ("LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET"):
            self.i += 1
            self.take("str")
        else:
            raise PatternError("expected a comparison operator at offset %d, found %r" % (t[2], t[1] or "the end"))

    def primitive(self):
        t = self.peek()
        if t[0] in ("str", "num", "bin", "hex", "ts") or (t[0] == "word" and t[1] in ("true", "false")):
            if t[0] == "ts" and parse_time(t[1][2:-1]) is None:
                raise PatternError("invalid timestamp literal %s at offset %d" % (t[1], t[2]))
            self.i += 1
            return
        raise PatternError("expected a constant at offset %d, found %r" % (t[2], t[1] or "the end"))

    def orderable(self):
        t = self.peek()
        if t[0] in ("str", "num", "bin", "hex", "ts"):
            self.i += 1
            return
        raise PatternError("expected an orderable constant at offset %d, found %r" % (t[2], t[1] or "the end"))

    def object_path(self):
        t = self.take("word")
        otype = t[1]
        if not TYPE_RE.match(otype) or otype in KEYWORDS:
            raise PatternError("invalid object type %r at offset %d" % (otype, t[2]))
        self.take("punct", ":")
        self.path_component()
        while True:
            t = self.peek()
            if t[1] == ".":
                self.i += 1
                self.path_component()
            elif t[1] == "[":
                self.i += 1
                t = self.peek()
                if t[1] == "*" or (t[0] == "num" and re.match(r"^\d+$", t[1])):
                    self.i += 1
                else:
                    raise PatternError("expected a list index or * at offset %d" % t[2])
                self.take("punct", "]")
            else:
                return otype

    def path_component(self):
        t = self.peek()
        if t[0] == "word" or t[0] == "str":
            self.i += 1
            return
        raise PatternError("expected a property name at offset %d, found %r" % (t[2], t[1] or "the end"))


def check_pattern(text):
    """None when the pattern parses, else the problem."""
    try:
        PatternParser(text).check()
        return None
    except PatternError as e:
        return str(e)


# ---- objects -----------------------------------------------------------------

def category(t):
    if t in SDO_TYPES:
        return "sdo"
    if t in SRO_TYPES:
        return "sro"
    if t in SCO_TYPES:
        return "sco"
    if t in META_TYPES:
        return "meta"
    return None


def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def deterministic_id(obj):
    """The UUIDv5 section 2.9 gives an SCO, or None when it has no contributing property."""
    props = {}
    for k in ID_CONTRIBUTING.get(obj.get("type"), []):
        if k not in obj:
            continue
        v = obj[k]
        if k == "hashes" and isinstance(v, dict) and v:
            for algo in ("MD5", "SHA-1", "SHA-256", "SHA-512"):
                if algo in v:
                    v = {algo: v[algo]}
                    break
            else:
                first = next(iter(v))
                v = {first: v[first]}
        props[k] = v
    if not props:
        return None
    return str(uuid.uuid5(SCO_NAMESPACE, canonical(props)))


def walk_refs(value, path):
    """(property path, reference) of every *_ref and *_refs inside value."""
    if isinstance(value, dict):
        for k, v in value.items():
            p = path + "." + k if path else k
            if k.endswith("_ref"):
                yield p, v
            elif k.endswith("_refs"):
                if isinstance(v, list):
                    for r in v:
                        yield p, r
                else:
                    yield p, v
            else:
                yield from walk_refs(v, p)
    elif isinstance(value, list):
        for v in value:
            yield from walk_refs(v, path)


def check_hashes(rep, oid, prop, hashes):
    if not isinstance(hashes, dict) or not hashes:
        rep.error(oid, prop, "hashes must be a non-empty dictionary")
        return
    for algo, h in hashes.items():
        if algo not in HASH_ALGOS:
            if not algo.startswith("x_"):
                rep.warn(oid, prop, "hash algorithm %r is not in hash-algorithm-ov" % algo)
            continue
        if not isinstance(h, str):
            rep.error(oid, prop, "%s hash must be a string" % algo)
        elif algo in HASH_HEX and not re.match(r"^[0-9a-fA-F]{%d}$" % HASH_HEX[algo], h):
            rep.error(oid, prop, "%s hash %r is not %d hex digits" % (algo, h, HASH_HEX[algo]))


def check_object(rep, obj, index, by_id):
    if not isinstance(obj, dict):
        rep.error("objects[%d]" % index, None, "not a JSON object")
        return
    t = obj.get("type")
    oid = obj.get("id") if isinstance(obj.get("id"), str) else "objects[%d]" % index
    if not isinstance(t, str) or not TYPE_RE.match(t):
        rep.error(oid, "type", "missing or invalid type %r" % (t,))
        return
    cat = category(t)
    if "id" not in obj:
        rep.error(oid, "id", "required property missing")
        version = None
    else:
        version = check_id(rep, oid, "id", obj["id"], t)
    if cat is None:
        rep.warn(oid, "type", "custom object type %r (not checked further)" % t)
        return

    # common properties
    if cat in ("sdo", "sro", "meta"):
        if obj.get("spec_version") != "2.1":
            rep.error(oid, "spec_version", "must be \"2.1\", found %r" % (obj.get("spec_version"),))
        created = obj.get("created")
        if created is None:
            rep.error(oid, "created", "required property missing")
        if t != "marking-definition" and obj.get("modified") is None:
            rep.error(oid, "modified", "required property missing")
        for p in ("created", "modified"):
            if p in obj:
                v = obj[p]
                if parse_time(v) is None:
                    rep.error(oid, p, "%r is not a STIX timestamp (RFC 3339, UTC, Z)" % (v,))
                elif not re.search(r"\.\d{3,}Z$", v):
                    rep.error(oid, p, "%r is not precise to the millisecond" % v)
        c, m = parse_time(obj.get("created")), parse_time(obj.get("modified"))
        if c and m and m < c:
            rep.error(oid, "modified", "earlier than created")
        if version is not None and version != 4 and cat != "meta":
            rep.warn(oid, "id", "SDO/SRO identifiers should be UUIDv4 (found version %d)" % version)
        if "revoked" in obj and not isinstance(obj["revoked"], bool):
            rep.error(oid, "revoked", "must be a boolean")
        if "labels" in obj and (not isinstance(obj["labels"], list) or
                                not all(isinstance(x, str) for x in obj["labels"])):
            rep.error(oid, "labels", "must be a list of strings")
        if "external_references" in obj:
            refs = obj["external_references"]
            if not isinstance(refs, list) or not all(isinstance(r, dict) and isinstance(r.get("source_name"), str)
                                                     for r in refs):
                rep.error(oid, "external_references", "must be a list of objects with a source_name")
        if "created_by_ref" in obj:
            ref = obj["created_by_ref"]
            target = by_id.get(ref) if isinstance(ref, str) else None
            if target and target[0].get("type") != "identity":
                rep.error(oid, "created_by_ref", "%s is not an identity" % ref)
        known = COMMON_SDO | PROPERTIES.get(t, set())
    else:
        if "spec_version" in obj and obj["spec_version"] != "2.1":
            rep.error(oid, "spec_version", "must be \"2.1\", found %r" % (obj["spec_version"],))
        if version is not None:
            if version != 5:
                rep.warn(oid, "id", "SCO identifiers should be UUIDv5 (found version %d)" % version)
            else:
                want = deterministic_id(obj)
                if want and obj["id"] != "%s--%s" % (t, want):
                    rep.warn(oid, "id", "not the deterministic identifier of its ID contributing properties "
                             "(%s--%s)" % (t, want))
        known = COMMON_SCO | PROPERTIES.get(t, set())
    if "confidence" in obj:
        c = obj["confidence"]
        if isinstance(c, bool) or not isinstance(c, int) or not 0 <= c <= 100:
            rep.error(oid, "confidence", "%r is not an integer in 0..100" % (c,))

    # property names: the spec's or custom ones prefixed x_
    if t in PROPERTIES or cat == "meta":
        for p in obj:
            if p in known:
                continue
            if cat == "meta":
                continue
            if not CUSTOM_RE.match(p):
                rep.error(oid, p, "custom property not prefixed x_ (or not a %s property)" % t)
            elif not PROP_RE.match(p):
                rep.error(oid, p, "property name must be 3-250 characters of a-z, 0-9 and _")

    for p in REQUIRED.get(t, []):
        if p not in obj:
            rep.error(oid, p, "required property missing")
    for p in TIMESTAMPS.get(t, []):
        if p in obj and parse_time(obj[p]) is None:
            rep.error(oid, p, "%r is not a STIX timestamp (RFC 3339, UTC, Z)" % (obj[p],))
    for later, strict, earlier in ORDERED.get(t, []):
        a, b = parse_time(obj.get(earlier)), parse_time(obj.get(later))
        if a and b and (b <= a if strict else b < a):
            rep.error(oid, later, "must be %s %s" % ("after" if strict else "no earlier than", earlier))

    # per type
    if t == "indicator":
        pt = obj.get("pattern_type")
        if "pattern_type" in obj and not isinstance(pt, str):
            rep.error(oid, "pattern_type", "must be a string")
        elif isinstance(pt, str) and pt not in PATTERN_TYPES:
            rep.warn(oid, "pattern_type", "%r is not in pattern-type-ov" % pt)
        if "pattern" in obj and not isinstance(obj["pattern"], str):
            rep.error(oid, "pattern", "must be a string")
        elif pt == "stix" and isinstance(obj.get("pattern"), str):
            problem = check_pattern(obj["pattern"])
            if problem:
                rep.error(oid, "pattern", "not a STIX pattern: " + problem)
        if "indicator_types" in obj and (not isinstance(obj["indicator_types"], list) or not obj["indicator_types"]):
            rep.error(oid, "indicator_types", "must be a non-empty list")
    elif t == "malware":
        fam = obj.get("is_family")
        if "is_family" in obj and not isinstance(fam, bool):
            rep.error(oid, "is_family", "must be a boolean")
        if fam is True and not isinstance(obj.get("name"), str):
            rep.error(oid, "name", "required when is_family is true")
        for ref in obj.get("sample_refs", []) if isinstance(obj.get("sample_refs"), list) else []:
            target = by_id.get(ref) if isinstance(ref, str) else None
            if target and target[0].get("type") not in ("file", "artifact"):
                rep.error(oid, "sample_refs", "%s is neither a file nor an artifact" % ref)
    elif t == "relationship":
        check_relationship(rep, oid, obj, by_id)
    elif t == "file":
        if "hashes" not in obj and "name" not in obj:
            rep.error(oid, "hashes", "a file needs at least one of hashes and name")
    if "hashes" in obj and t in ("file", "artifact", "x509-certificate"):
        check_hashes(rep, oid, "hashes", obj["hashes"])
    for p in ("name", "value"):
        if p in obj and not isinstance(obj[p], str):
            rep.error(oid, p, "must be a string")


def check_relationship(rep, oid, obj, by_id):
    rt, src, dst = obj.get("relationship_type"), obj.get("source_ref"), obj.get("target_ref")
    if not isinstance(rt, str) or not re.match(r"^[a-z0-9-]+$", rt or ""):
        rep.error(oid, "relationship_type", "%r must be lower-case letters, digits and hyphens" % (rt,))
        return
    if not isinstance(src, str) or not isinstance(dst, str):
        return
    st, tt = src.partition("--")[0], dst.partition("--")[0]
    for p, ty in (("source_ref", st), ("target_ref", tt)):
        if ty in SRO_TYPES or ty in META_TYPES or ty == "bundle":
            rep.error(oid, p, "a relationship cannot reference a %s" % ty)
    if rt in COMMON_RELATIONSHIPS:
        if rt in ("duplicate-of", "derived-from") and st != tt:
            rep.error(oid, "relationship_type", "%s relates objects of the same type (%s, %s)" % (rt, st, tt))
        return
    allowed = RELATIONSHIPS.get(st, {}).get(rt)
    if allowed is not None:
        if tt not in allowed:
            rep.error(oid, "relationship_type", "%s --%s--> %s is not a relationship of the specification "
                      "(%s %s: %s)" % (st, rt, tt, st, rt, ", ".join(sorted(allowed))))
    elif rt in KNOWN_RELATIONSHIPS:
        defined = sorted(s for s, table in RELATIONSHIPS.items() if rt in table)
        rep.error(oid, "relationship_type", "%s --%s--> %s is not a relationship of the specification "
                  "(%s is defined from %s)" % (st, rt, tt, rt, ", ".join(defined)))
    else:
        rep.warn(oid, "relationship_type", "custom relationship type %r" % rt)


def no_duplicate_keys(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise ValueError("duplicate member %r" % k)
        d[k] = v
    return d


def check_bundle_text(name, text):
    rep = Report(name)
    try:
        bundle = json.loads(text, object_pairs_hook=no_duplicate_keys)
    except ValueError as e:
        rep.error(None, None, "not well-formed JSON: %s" % e)
        return rep
    if not isinstance(bundle, dict):
        rep.error(None, None, "the bundle is not a JSON object")
        return rep
    bid = bundle.get("id") if isinstance(bundle.get("id"), str) else "bundle"
    if bundle.get("type") != "bundle":
        rep.error(bid, "type", "must be \"bundle\", found %r" % (bundle.get("type"),))
    if "id" not in bundle:
        rep.error(bid, "id", "required property missing")
    else:
        v = check_id(rep, bid, "id", bundle["id"], "bundle")
        if v is not None and v != 4:
            rep.warn(bid, "id", "the bundle identifier should be UUIDv4")
    for p in bundle:
        if p not in ("type", "id", "objects") and not CUSTOM_RE.match(p):
            rep.error(bid, p, "not a bundle property in STIX 2.1")
    objects = bundle.get("objects", [])
    if not isinstance(objects, list):
        rep.error(bid, "objects", "must be a list")
        return rep
    if not objects:
        rep.warn(bid, "objects", "empty bundle")

    by_id = {}
    for i, o in enumerate(objects):
        if isinstance(o, dict) and isinstance(o.get("id"), str):
            by_id.setdefault(o["id"], []).append(o)
    for oid, objs in by_id.items():
        if len(objs) < 2:
            continue
        versions = [o.get("modified") for o in objs]
        if category(objs[0].get("type")) in ("sdo", "sro") and None not in versions and \
                len(set(versions)) == len(versions):
            continue  # versions of one object
        rep.error(oid, "id", "duplicate identifier (%d objects)" % len(objs))
    for i, o in enumerate(objects):
        check_object(rep, o, i, by_id)
        if not isinstance(o, dict):
            continue
        oid = o.get("id") if isinstance(o.get("id"), str) else "objects[%d]" % i
        for prop, ref in walk_refs({k: v for k, v in o.items() if k != "id"}, ""):
            if not isinstance(ref, str):
                rep.error(oid, prop, "reference %r is not a string" % (ref,))
                continue
            if check_id(Report(name), oid, prop, ref) is None:
                rep.error(oid, prop, "reference %r is not an identifier" % ref)
                continue
            if ref not in by_id and ref not in TLP_MARKINGS:
                rep.error(oid, prop, "reference %s does not resolve inside the bundle" % ref)
    return rep


def check_file(path):
    try:
        with open(path, "rb") as f:
            raw = f.read()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        rep = Report(path)
        rep.error(None, None, "cannot be read as UTF-8: %s" % e)
        return rep
    return check_bundle_text(path, text)


# ---- self-test -----------------------------------------------------------------

def _good_bundle():
    ident = "identity--1f4b3b6a-3c0e-4d3f-9e7b-0a2b8d5c6e71"
    iset = "intrusion-set--5d2b1a47-8f60-4c39-a7d4-2e9b3c1f0a58"
    fam = "malware--0c7e4f1a-92b3-4d58-8a61-7f3e2d1c9b04"
    smp = "malware--9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
    ind = "indicator--3e2d1c0b-9a8f-4e7d-b6c5-a4b3c2d1e0f9"
    f = {"type": "file", "spec_version": "2.1", "hashes": {"SHA-256": "ab" * 32, "MD5": "cd" * 16},
         "name": "sample.exe"}
    f["id"] = "file--" + deterministic_id(f)
    ts = "2020-01-02T03:04:05.000Z"

    def sdo(t, i, **kw):
        o = {"type": t, "spec_version": "2.1", "id": i, "created": ts, "modified": ts}
        o.update(kw)
        return o

    def rel(n, src, rt, dst):
        return sdo("relationship", "relationship--%08x-1111-4111-8111-111111111111" % n, relationship_type=rt,
                   source_ref=src, target_ref=dst)

    return {"type": "bundle", "id": "bundle--6b0f9c1e-2d3a-4b5c-8d7e-9f0a1b2c3d4e", "objects": [
        sdo("identity", ident, name="Example CERT", identity_class="organization"),
        sdo("intrusion-set", iset, name="Lazarus Group", aliases=["Guardians of Peace"], created_by_ref=ident,
            external_references=[{"source_name": "mitre-attack", "external_id": "G0032",
                                  "url": "https://attack.mitre.org/groups/G0032"}]),
        sdo("malware", fam, name="ExampleWiper", is_family=True),
        f,
        sdo("malware", smp, name="sample.exe", is_family=False, sample_refs=[f["id"]]),
        sdo("indicator", ind, name="ipv4 192.0.2.1", indicator_types=["malicious-activity"],
            pattern="([ipv4-addr:value = '192.0.2.1'] OR [url:value = 'http://x.example/it\\'s']) "
                    "FOLLOWEDBY [file:hashes.'SHA-256' = '%s' AND file:name = 'a\\\\b'] WITHIN 60 SECONDS" % ("ab" * 32),
            pattern_type="stix", pattern_version="2.1", valid_from=ts, valid_until="2021-01-01T00:00:00.000Z",
            confidence=80, x_lineage_note="custom properties are fine with x_"),
        rel(1, ind, "indicates", smp), rel(2, ind, "indicates", iset), rel(3, smp, "variant-of", fam),
        rel(4, fam, "authored-by", iset),
    ]}


def _find(bundle, t):
    return next(o for o in bundle["objects"] if o["type"] == t)


def _mutations():
    """(name, mutate(bundle), expected problem text)."""
    def m_spec_version(b):
        del _find(b, "indicator")["spec_version"]

    def m_bad_uuid(b):
        _find(b, "identity")["id"] = "identity--not-a-uuid"

    def m_variant(b):
        b["objects"][2]["id"] = "malware--0c7e4f1a-92b3-4d58-0a61-7f3e2d1c9b04"

    def m_no_valid_from(b):
        del _find(b, "indicator")["valid_from"]

    def m_until(b):
        _find(b, "indicator")["valid_until"] = "2019-01-01T00:00:00.000Z"

    def m_is_family(b):
        del b["objects"][2]["is_family"]

    def m_family_name(b):
        del b["objects"][2]["name"]

    def m_attributed(b):
        b["objects"][-1]["relationship_type"] = "attributed-to"

    def m_dangling(b):
        b["objects"][-2]["target_ref"] = "malware--00000000-0000-4000-8000-000000000000"

    def m_duplicate(b):
        b["objects"].append(dict(_find(b, "file")))

    def m_pattern_bracket(b):
        _find(b, "indicator")["pattern"] = "[ipv4-addr:value = '192.0.2.1'"

    def m_pattern_escape(b):
        _find(b, "indicator")["pattern"] = "[mutex:name = 'Global\\Name']"

    def m_pattern_and_types(b):
        _find(b, "indicator")["pattern"] = "[ipv4-addr:value = '192.0.2.1' AND url:value = 'http://x.example/']"

    def m_custom(b):
        _find(b, "indicator")["lineage_note"] = "no prefix"

    def m_confidence(b):
        _find(b, "indicator")["confidence"] = 150

    def m_hash(b):
        _find(b, "file")["hashes"]["SHA-256"] = "abc"

    def m_time_z(b):
        _find(b, "identity")["created"] = "2020-01-02T03:04:05.000+01:00"

    def m_millis(b):
        _find(b, "identity")["modified"] = "2020-01-02T03:04:05Z"

    def m_modified(b):
        _find(b, "identity")["modified"] = "2019-01-02T03:04:05.000Z"

    def m_file_empty(b):
        f = _find(b, "file")
        del f["hashes"], f["name"]

    def m_bundle_type(b):
        b["type"] = "collection"

    def m_sco_id(b):
        _find(b, "file")["name"] = "renamed.exe"

    def m_sample_ref(b):
        b["objects"][4]["sample_refs"] = [b["objects"][0]["id"]]

    return [
        ("missing spec_version", m_spec_version, "spec_version: must be \"2.1\""),
        ("malformed identifier", m_bad_uuid, "is not a lower-case UUID"),
        ("UUID variant bits", m_variant, "variant bits"),
        ("indicator without valid_from", m_no_valid_from, "valid_from: required property missing"),
        ("valid_until before valid_from", m_until, "valid_until: must be after valid_from"),
        ("malware without is_family", m_is_family, "is_family: required property missing"),
        ("family without a name", m_family_name, "name: required when is_family is true"),
        ("malware attributed-to intrusion-set", m_attributed, "malware --attributed-to--> intrusion-set"),
        ("dangling reference", m_dangling, "does not resolve inside the bundle"),
        ("duplicate identifier", m_duplicate, "duplicate identifier"),
        ("unbalanced pattern", m_pattern_bracket, "not a STIX pattern: expected ]"),
        ("invalid pattern escape", m_pattern_escape, "invalid escape"),
        ("AND across object types", m_pattern_and_types, "name different object types"),
        ("custom property without x_", m_custom, "lineage_note: custom property not prefixed x_"),
        ("confidence out of range", m_confidence, "confidence: 150 is not an integer in 0..100"),
        ("bad hash length", m_hash, "SHA-256 hash 'abc' is not 64 hex digits"),
        ("timestamp not in UTC", m_time_z, "is not a STIX timestamp"),
        ("timestamp without milliseconds", m_millis, "not precise to the millisecond"),
        ("modified before created", m_modified, "modified: earlier than created"),
        ("file without hashes or name", m_file_empty, "at least one of hashes and name"),
        ("not a bundle", m_bundle_type, "type: must be \"bundle\""),
        ("SCO id not deterministic", m_sco_id, "warning: not the deterministic identifier"),
        ("sample_refs to an identity", m_sample_ref, "is neither a file nor an artifact"),
    ]


def self_test():
    import copy
    failures = 0
    good = _good_bundle()
    rep = check_bundle_text("good", json.dumps(good))
    if rep.errors or rep.warnings:
        print("self-test: the good bundle was rejected:")
        for line in rep.errors + rep.warnings:
            print("  " + line)
        failures += 1
    for name, mutate, expect in _mutations():
        b = copy.deepcopy(good)
        mutate(b)
        rep = check_bundle_text(name, json.dumps(b))
        found = [p for p in rep.errors + rep.warnings if expect in p]
        if not found:
            print("self-test: %s: expected %r, got:" % (name, expect))
            for line in rep.errors + rep.warnings or ["(nothing)"]:
                print("  " + line)
            failures += 1
    for text in ("not json", "[]", '{"type": "bundle", "id": "bundle--6b0f9c1e-2d3a-4b5c-8d7e-9f0a1b2c3d4e", '
                 '"objects": [], "objects": []}'):
        rep = check_bundle_text("raw", text)
        if not rep.errors:
            print("self-test: %r was accepted" % text)
            failures += 1
    good_patterns = [
        "[ipv4-addr:value = '198.51.100.1']",
        "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = 'Mozilla/4.0 (x)']",
        "[file:hashes.MD5 = 'cd' AND file:size > 10] REPEATS 2 TIMES",
        "[email-message:to_refs[*].value = 'a@example.com'] START t'2020-01-01T00:00:00Z' STOP t'2020-02-01T00:00:00Z'",
        "([domain-name:value LIKE '%.example'] OR [domain-name:value IN ('a.example', 'b.example')])",
        "[process:name NOT = 'x' OR EXISTS process:pid]",
        "[windows-registry-key:key MATCHES '^HKEY_LOCAL_MACHINE\\\\\\\\Software']",
        "[artifact:payload_bin = b'aGVsbG8=' OR artifact:mime_type = 'text/plain']",
    ]
    bad_patterns = [
        "", "ipv4-addr:value = '1.2.3.4'", "[ipv4-addr:value = '1.2.3.4']]", "[ipv4-addr = '1.2.3.4']",
        "[ipv4-addr:value == '1.2.3.4']", "[ipv4-addr:value = '1.2.3.4] ", "[ipv4-addr:value = 'a'] AND",
        "[ipv4-addr:value = 'a'] WITHIN SECONDS", "[ipv4-addr:value = 'a'] START t'2020' STOP t'2021'",
        "[ipv4-addr:value IN ()]", "[ipv4-addr:value = 'a' or ipv4-addr:value = 'b']",
        "[file:hashes.'SHA-256 = 'ab']",
    ]
    for p in good_patterns:
        problem = check_pattern(p)
        if problem:
            print("self-test: pattern %r rejected: %s" % (p, problem))
            failures += 1
    for p in bad_patterns:
        if check_pattern(p) is None:
            print("self-test: bad pattern %r accepted" % p)
            failures += 1
    total = 1 + len(_mutations()) + 3 + len(good_patterns) + len(bad_patterns)
    print("self-test: %d of %d checks passed" % (total - failures, total))
    return 1 if failures else 0


def main(argv):
    args = argv[1:]
    if args == ["--self-test"]:
        return self_test()
    strict = "--strict" in args
    files = [a for a in args if a != "--strict"]
    if not files or any(a.startswith("--") for a in files):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        print("usage: stix_check.py [--strict] BUNDLE.json... | --self-test", file=sys.stderr)
        return 2
    bad = False
    for path in files:
        rep = check_file(path)
        for line in rep.errors + rep.warnings:
            print(line)
        if rep.errors or (strict and rep.warnings):
            bad = True
        else:
            print("%s: valid STIX 2.1 bundle%s" % (path, " (%d warnings)" % len(rep.warnings) if rep.warnings else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
