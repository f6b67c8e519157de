// vigil audit: the audit chain in the cloud's database (docs/audit.md).
//
//   vigil audit verify    walk the chain in order, page by page, and check every hash,
//                         link and the signed head; one JSON line; exit 0 when intact,
//                         1 naming the finding and the first seq concerned, 2 on error
//   vigil audit head      print the latest signed head line stored in the database
//   vigil audit sign-head sign the chain's current tail and store the head (prints it)
//   vigil audit head-key  print the head key's public half (hex), for --head-key
//
// The head key is kept sealed in the database (audit_head_key.h); opening it needs the
// master key (--master-key-file or VIGIL_CLOUD_MASTER_KEY). An auditor without the master
// key verifies with the public key alone (--head-key FILE) and, to catch a rollback of the
// whole database, a head line kept outside it (--head LINE or FILE).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>

#include "cli/command.h"
#include "cloud/audit/audit_chain.h"
#include "cloud/audit/chain_head.h"
#include "cloud/crypto/keyring.h"
#include "cloud/crypto/master_key.h"
#include "cloud/store/audit_head_key.h"
#include "cloud/store/audit_log.h"
#include "cloud/store/audit_log_verify.h"
#include "cloud/store/database.h"
#include "cloud/store/migrations.h"
#include "common/hex.h"

namespace vigil::cli {
namespace {

using namespace vigil::cloud;

constexpr int64_t kSharedStateVersion = 2;  // the migration that made the audit tables

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

[[noreturn]] void Die(const std::string& what, int code = 2) {
  std::fprintf(stderr, "vigil audit: %s\n", what.c_str());
  throw CLI::RuntimeError(code);
}

struct CommonOptions {
  std::string db = "vigil-cloud.db";
  std::string master_key_file = "vigil-cloud.key";
};

void AddCommon(CLI::App* cmd, CommonOptions* o) {
  cmd->add_option("--db", o->db, "sqlite:///path, a path, or postgresql://... (libpq URI)");
  cmd->add_option("--master-key-file", o->master_key_file,
                  "hex master key(s), mode 0600, current first (or VIGIL_CLOUD_MASTER_KEY)");
}

// Opens the database without changing it: a verifier must not migrate what it checks.
std::unique_ptr<Database> OpenForAudit(const CommonOptions& o) {
  // Opening a SQLite path creates the file: a mistyped path would "verify" an empty chain.
  if (o.db.find("://") == std::string::npos || o.db.starts_with("sqlite://")) {
    const std::string path = o.db.starts_with("sqlite://") ? o.db.substr(9) : o.db;
    if (!std::filesystem::exists(path)) Die("database: no such file " + path);
  }
  std::unique_ptr<Database> db;
  if (Status s = OpenDatabase(o.db, {}, &db); !s.ok()) Die("database: " + s.ToString());
  int64_t version = 0;
  if (Status s = SchemaVersion(*db, &version); !s.ok()) Die("database: " + s.ToString());
  if (version < kSharedStateVersion)
    Die("database: schema version " + std::to_string(version) +
        " has no audit chain (run `vigil cloud migrate`)");
  return db;
}

// The keyring, or nullopt with `why` when no master key is at hand.
bool OpenKeys(Database& db, const CommonOptions& o, Keyring* keys, std::string* why) {
  std::vector<MasterKey> masters;
  if (LoadMasterKeys(o.master_key_file, &masters, why) != Error::kOk) return false;
  if (Status s = keys->Open(db, std::move(masters), WallMs()); !s.ok()) {
    *why = "keyring: " + s.ToString();
    return false;
  }
  return true;
}

std::string ReadFileOr(const std::string& path_or_text, bool* was_file) {
  std::ifstream in(path_or_text);
  *was_file = static_cast<bool>(in);
  if (!*was_file) return path_or_text;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  return s.substr(i);
}

struct VerifyOptions {
  CommonOptions common;
  std::string head_key;  // file with the public key in hex
  std::string head;      // a head line, or a file holding one
  size_t page = 1000;
  bool require_head = false;
};

// `heads`: which signed heads the verdict covers ("given", "stored").
void PrintFinding(const std::string& finding, const audit::VerifyReport* r,
                  const std::vector<std::string>& heads, const std::string& detail) {
  nlohmann::json j{{"finding", finding}, {"detail", detail}};
  if (r != nullptr) {
    if (!r->ok()) {
      j["seq"] = r->seq;
      j["count"] = r->count;
    }
    j["verified"] = r->verified;
    j["head_checked"] = r->head_checked;
  }
  if (!heads.empty()) j["heads"] = heads;
  std::printf("%s\n", j.dump().c_str());
}

int Verify(const VerifyOptions& o) {
  std::unique_ptr<Database> db = OpenForAudit(o.common);
  AuditLog log(*db);

  // The key that checks heads: the one given, else the sealed one (needs the master key).
  audit::HeadVerifier verifier;
  std::string key_note;
  if (!o.head_key.empty()) {
    bool was_file = false;
    const std::string text = Trim(ReadFileOr(o.head_key, &was_file));
    if (!was_file) Die("--head-key: cannot read " + o.head_key);
    const auto pub = FromHex(text);
    if (!pub.has_value() || verifier.Init(*pub) != Error::kOk)
      Die("--head-key: expected 64 hex digits of an Ed25519 public key");
  } else {
    bool has = false;
    if (Status s = HasHeadKey(*db, &has); !s.ok()) Die("database: " + s.ToString());
    Keyring keys;
    std::string why;
    if (!has) {
      key_note = "no head key in the database";
    } else if (!OpenKeys(*db, o.common, &keys, &why)) {
      key_note = "head key not opened (" + why + ")";
    } else if (Status s = LoadHeadVerifier(*db, keys, &verifier); !s.ok()) {
      // A sealed key that does not open under the right master key was tampered with.
      PrintFinding("head_key_forged", nullptr, {}, s.ToString());
      return 1;
    }
  }

  // The heads to check against: one given from outside, and the latest stored.
  std::vector<std::pair<const char*, audit::SignedHead>> heads;
  if (!o.head.empty()) {
    bool was_file = false;
    const std::string line = Trim(ReadFileOr(o.head, &was_file));
    audit::SignedHead h;
    if (!audit::ParseSignedHead(line, &h)) Die("--head: not a vigil-audit-head-v1 line");
    heads.emplace_back("given", h);
  }
  std::optional<audit::SignedHead> stored;
  if (Status s = log.LatestHead(&stored); !s.ok()) {
    if (s.code != StoreError::kCrypto) Die("database: " + s.ToString());
    PrintFinding("head_forged", nullptr, {"stored"}, s.message);
    return 1;
  }
  if (stored.has_value()) heads.emplace_back("stored", *stored);
  if (!verifier.ready() && !heads.empty()) {
    if (o.require_head) Die("a signed head exists but no key checks it: " + key_note);
    heads.clear();
  }
  if (heads.empty() && o.require_head) {
    PrintFinding("no_head", nullptr, {},
                 key_note.empty() ? "no signed head to check the tail against" : key_note);
    return 1;
  }

  // One pass per head (each pass streams the chain again): the verdict is the first
  // finding, or intact under every head.
  audit::VerifyReport report;
  std::vector<std::string> used;
  if (heads.empty()) heads.emplace_back(nullptr, audit::SignedHead{});
  for (const auto& [from, h] : heads) {
    audit::VerifyOptions vo;
    vo.head = from != nullptr ? &h : nullptr;
    vo.verifier = from != nullptr ? &verifier : nullptr;
    if (Status s = VerifyStoredChain(log, vo, o.page, &report); !s.ok())
      Die("database: " + s.ToString());
    if (from != nullptr) {
      if (!report.ok()) used.clear();  // the finding is under this head alone
      used.push_back(from);
    }
    if (!report.ok()) break;
  }
  std::string detail = report.detail;
  if (report.ok() && used.empty() && !key_note.empty()) detail += "; " + key_note;
  PrintFinding(std::string(audit::FindingName(report.finding)), &report, used, detail);
  return report.ok() ? 0 : 1;
}

void SetupVerify(CLI::App* audit) {
  auto o = std::make_shared<VerifyOptions>();
  auto* cmd = audit->add_subcommand("verify", "Check every record, link and the signed head");
  AddCommon(cmd, &o->common);
  cmd->add_option("--head-key", o->head_key, "file with the head key's public half (hex)");
  cmd->add_option("--head", o->head, "a signed head line kept outside the database, or its file");
  cmd->add_option("--page", o->page, "records read per page")->check(CLI::Range(2, 1000000));
  cmd->add_flag("--require-head", o->require_head, "fail when no signed head can be checked");
  cmd->callback([o] {
    const int rc = Verify(*o);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

void SetupHead(CLI::App* audit) {
  auto o = std::make_shared<CommonOptions>();
  auto* cmd = audit->add_subcommand("head", "Print the latest signed head stored");
  AddCommon(cmd, o.get());
  cmd->callback([o] {
    std::unique_ptr<Database> db = OpenForAudit(*o);
    AuditLog log(*db);
    std::optional<audit::SignedHead> h;
    if (Status s = log.LatestHead(&h); !s.ok()) Die("head: " + s.ToString(), 1);
    if (!h.has_value()) Die("no signed head stored yet", 1);
    std::printf("%s\n", audit::FormatSignedHead(*h).c_str());
  });
}

void SetupSignHead(CLI::App* audit) {
  auto o = std::make_shared<CommonOptions>();
  auto* cmd = audit->add_subcommand("sign-head", "Sign the chain's tail and store the head");
  AddCommon(cmd, o.get());
  cmd->callback([o] {
    std::unique_ptr<Database> db = OpenForAudit(*o);
    Keyring keys;
    std::string why;
    if (!OpenKeys(*db, *o, &keys, &why)) Die(why);
    audit::HeadSigner signer;
    if (Status s = LoadOrCreateHeadSigner(*db, keys, WallMs() * 1000, &signer); !s.ok())
      Die("head key: " + s.ToString());
    AuditLog log(*db);
    audit::SignedHead h;
    if (Status s = log.SignHead(signer, WallMs(), &h); !s.ok()) Die("sign: " + s.ToString());
    std::printf("%s\n", audit::FormatSignedHead(h).c_str());
  });
}

void SetupHeadKey(CLI::App* audit) {
  auto o = std::make_shared<CommonOptions>();
  auto* cmd = audit->add_subcommand("head-key", "Print the head key's public half (hex)");
  AddCommon(cmd, o.get());
  cmd->callback([o] {
    std::unique_ptr<Database> db = OpenForAudit(*o);
    Keyring keys;
    std::string why;
    if (!OpenKeys(*db, *o, &keys, &why)) Die(why);
    audit::HeadSigner signer;
    if (Status s = LoadOrCreateHeadSigner(*db, keys, WallMs() * 1000, &signer); !s.ok())
      Die("head key: " + s.ToString());
    std::printf("%s\n", ToHex(signer.public_key()).c_str());
  });
}

void Setup(CLI::App& app) {
  auto* audit = app.add_subcommand("audit", "The audit chain: verify, signed heads");
  audit->require_subcommand(1);
  SetupVerify(audit);
  SetupHead(audit);
  SetupSignHead(audit);
  SetupHeadKey(audit);
}

Registrar reg("audit", &Setup);

}  // namespace
}  // namespace vigil::cli
