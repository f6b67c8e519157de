// A checker for Vigil's EVE alert lines against the rules of Suricata's EVE schema
// (etc/schema.json in the OISF/suricata repository) that our output depends on, plus
// Vigil's own contract for the "vigil" object. Tests run it over every alert the suite
// produces; `vigil eve-check FILE` runs it over an alert file.
//
// From Suricata's schema (the top level and "alert" and "metadata" are closed:
// "additionalProperties": false):
//   - the record is an object; "timestamp" (string matching
//     ^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+[+\-]\d+$) and "event_type" (string) are
//     required;
//   - "flow_id", "src_port", "dest_port" are integers; "src_ip", "dest_ip", "proto" strings;
//   - "alert" is an object whose keys are among action, category, gid, rev, rule,
//     severity, signature, signature_id, xff, metadata, source, target; action, category,
//     rule, signature strings; gid, rev, severity, signature_id integers;
//   - "metadata" is an object whose keys are among flowbits, flowvars, pktvars, flowints;
//     "flowvars" is an array of objects (open: additionalProperties true) whose gid, key
//     and value, when present, are strings.
// Stricter than the schema, because consumers rely on it (Suricata always writes these):
//   - top-level keys are limited to the ones Vigil writes: timestamp, flow_id, event_type,
//     src_ip, src_port, dest_ip, dest_port, proto, alert, metadata;
//   - event_type is "alert"; alert.action is "allowed" or "blocked"; alert has gid, rev,
//     signature, signature_id, category and severity (1..3);
//   - src_ip / dest_ip are numeric IPv4 or IPv6 addresses, each with its port (0..65535),
//     and proto is present when either is; flow_id is in [0, 2^51).
// Vigil's contract (docs/ids.md): metadata.flowvars holds exactly one object {"vigil":
// {...}} with device_uid and observer (16 lowercase hex digits), detector and detail
// (strings), optional src_node / dest_node (strings), and optional suppressed
// {signature_id, count, seconds, devices (16-hex strings), unlisted}; nothing else.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace vigil::ids {

// "" when the record passes, otherwise the first violation, naming the field
// ("alert.gid: expected an integer").
std::string CheckEveAlert(const nlohmann::json& record);

// Parses one line (no trailing newline needed) and checks it.
std::string CheckEveAlertLine(std::string_view line);

// Checks every line of a file. "" when all pass (and *lines, if given, is the number of
// lines); otherwise "path:N: why" for the first bad line. An unreadable file is an error;
// an empty one is not.
std::string CheckEveFile(const std::string& path, size_t* lines = nullptr);

}  // namespace vigil::ids
