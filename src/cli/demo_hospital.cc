// `vigil demo`: the whole hospital (demo_hospital.h, docs/demo.md).
//
// The run, in order: a work directory; the PKI (the shipped scripts/pki.sh, one client
// certificate per ward's gateway) and Mosquitto with mutual TLS on a free port; the
// cloud's database made here (a master key for the demo, the patients admitted under the
// pseudonyms their gateway will compute, the staff accounts) and `vigil cloud serve` on
// it; per ward, its devices enrolled, its gateway started with its beds and the uplink,
// and one `vigil device` process per bed. Then the demo narrates (the gateways' logs and
// alert files, the cloud's alert stream), sends its intruders, and measures when the
// dashboard's API is usable. At the end: devices stop, the gateways' queues drain, the
// summary is read back from the cloud's API, and everything stops in reverse order.
#include "cli/demo_hospital.h"

#include <openssl/rand.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cloud/api/database_stores.h"
#include "cloud/auth/mfa.h"
#include "cloud/auth/password_hash.h"
#include "cloud/auth/totp.h"
#include "cloud/crypto/keyring.h"
#include "cloud/crypto/master_key.h"
#include "cloud/store/database.h"
#include "cloud/store/gateway_commands.h"
#include "cloud/store/migrations.h"
#include "cloud/store/patient_records.h"
#include "cloud/store/schema.h"
#include "cloud/store/sql_mfa_store.h"
#include "common/hex.h"
#include "common/private_file.h"
#include "connection/device_identity.h"
#include "daemon/child_process.h"
#include "daemon/config.h"
#include "daemon/flood_attacker.h"
#include "daemon/https_client.h"
#include "daemon/radio_tap.h"
#include "edge/privacy/pseudonym.h"
#include "edge/privacy/site_key.h"

namespace vigil::cli {

// The shipped scripts (generated from scripts/pki.sh and scripts/broker.sh at build time).
extern const char* const kDemoPkiScript;
extern const char* const kDemoBrokerScript;

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

std::atomic<bool> g_stop{false};
void OnStopSignal(int) { g_stop = true; }

constexpr char kSite[] = "demo";

// The polyclinic's wards with beds (scenarios/polyclinic.toml) and what each bed carries
// (its patient_devices, without the infusion pump, which reports no vital sign).
struct WardPlan {
  const char* name;
  std::vector<DeviceKind> kinds;
};
const std::vector<WardPlan>& Wards() {
  static const std::vector<WardPlan> w = {
      {"emergency", {DeviceKind::kEcgPatch, DeviceKind::kPulseOximeter, DeviceKind::kBpCuff}},
      {"icu",
       {DeviceKind::kEcgPatch, DeviceKind::kPulseOximeter, DeviceKind::kBpCuff,
        DeviceKind::kThermometer}},
      {"surgery", {DeviceKind::kEcgPatch, DeviceKind::kPulseOximeter, DeviceKind::kThermometer}},
      {"maternity", {DeviceKind::kPulseOximeter, DeviceKind::kThermometer, DeviceKind::kBpCuff}},
      {"general", {DeviceKind::kPulseOximeter, DeviceKind::kThermometer}},
  };
  return w;
}

// Who deteriorates, and how (docs/telemetry.md, "Physiology model"): early enough that a
// short scripted run sees the edge alarm and the alarm reach the cloud.
const char* EpisodeFor(const std::string& ward, int bed) {
  if (ward == "icu" && bed == 1) return "hypoxia,onset=5s,ramp=5s,severity=1";
  if (ward == "emergency" && bed == 1) return "sepsis,onset=10s,ramp=15s,severity=0.9";
  if (ward == "general" && bed == 2) return "hypotension,onset=20s,ramp=20s,severity=0.8";
  return nullptr;
}

const char* kPatientNames[] = {
    "Ada Byron",         "Alan Mathison",    "Grace Brewster",   "Edsger Wybe",  "Barbara Jane",
    "Donald Ervin",      "Frances Allen",    "John Backus",      "Radia Joy",    "Ken Lane",
    "Margaret Heafield", "Niklaus Emil",     "Sophie Mary",      "Leslie Barry", "Karen Sparck",
    "Tony Charles",      "Shafi Goldwasser", "Whitfield Diffie", "Adi Shamir",   "Hedy Kiesler"};

struct Device {
  uint64_t uid = 0;
  DeviceKind kind = DeviceKind::kOther;
};

struct Bed {
  std::string name;  // "icu-1"
  std::string mrn;   // stays at the edge
  std::string patient_name;
  std::string pseudonym;
  int64_t patient_id = 0;  // the cloud's row id
  std::vector<Device> devices;
  std::string dir;
  const char* episode = nullptr;
};

struct Ward {
  std::string name;
  std::string gateway_id;  // gw-<ward>
  std::string dir;
  uint16_t udp_port = 0;
  uint16_t management_port = 0;
  uint64_t cpan_uid = 0;
  std::vector<Bed> beds;
  std::vector<uint64_t> uids;
  ChildProcess gateway;
  std::vector<ChildProcess> devices;
  std::map<uint64_t, std::string> label;  // uid -> "icu-1 pulse_oximeter"
  size_t log_offset = 0, eve_offset = 0;
  std::set<uint64_t> associated;
};

struct Account {
  std::string user, role, password, wards;
  std::string totp_secret;  // base32, as an authenticator app shows it
  std::string totp_text;    // secret, otpauth URI, QR code and recovery codes
};

std::string RandomPassword() {
  // 20 characters from an alphabet without look-alikes: about 100 bits.
  static const char kAlphabet[] = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
  unsigned char raw[20];
  if (RAND_bytes(raw, sizeof raw) != 1) return "";
  std::string out;
  for (size_t i = 0; i < sizeof raw; ++i) {
    if (i > 0 && i % 5 == 0) out += '-';
    out += kAlphabet[raw[i] % (sizeof(kAlphabet) - 1)];
  }
  return out;
}

// Every account has a TOTP second factor, enrolled when the demo made it. The terminal
// shows one QR code (the first nurse's, the account the demo suggests opening the dashboard
// with); every account's secret, URI, QR code and recovery codes go to accounts.txt in the
// work dir (mode 0600).
void PrintSecondFactor(const Account& a) { std::printf("%s\n", a.totp_text.c_str()); }

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void Say(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

bool WriteFile(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  f.close();
  return f.good() && ::chmod(path.c_str(), mode) == 0;
}

std::string ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string Tail(const std::string& path, size_t n = 1500) {
  std::string s = ReadAll(path);
  return s.size() > n ? s.substr(s.size() - n) : s;
}

// New complete lines of `path` since `*offset`.
std::vector<std::string> NewLines(const std::string& path, size_t* offset) {
  std::vector<std::string> out;
  std::ifstream f(path, std::ios::binary);
  if (!f) return out;
  f.seekg(static_cast<std::streamoff>(*offset));
  std::string line;
  while (std::getline(f, line)) {
    if (f.eof()) break;  // a line still being written: read it next time
    *offset += line.size() + 1;
    out.push_back(line);
  }
  return out;
}

// Runs a program to its end (setup steps); false with its log's tail in `why` otherwise.
bool RunStep(const std::vector<std::string>& argv, const std::string& log, std::string* why) {
  ChildProcess p;
  if (p.Start(argv, log, why) != Error::kOk) return false;
  while (p.Running()) {
    if (g_stop) {
      p.Stop(1000);
      *why = "interrupted";
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (p.exit_code() != 0) {
    *why = argv[0] + " " + (argv.size() > 1 ? argv[1] : "") + " exited with " +
           std::to_string(p.exit_code()) + ": " + Tail(log);
    return false;
  }
  return true;
}

std::string Join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

// A session on the cloud's API: the cookies /login set, and the CSRF token.
struct Session {
  std::string cookie;
  std::string csrf;
  bool ok() const { return !cookie.empty(); }
};

class Demo {
 public:
  explicit Demo(const HospitalDemoOptions& o) : o_(o) {}
  int Run();

 private:
  bool Prepare();
  bool StartBroker();
  bool MakeCloudDatabase();
  bool StartCloud();
  bool EnrollAll();
  bool StartGateway(Ward& w);
  bool StartDevices(Ward& w);
  void PrintBanner();
  void Narrate();
  void CheckDashboard();
  void Attacks(double t);
  void StopDevices();
  void StopAll();
  int Summary();
  Session Login(const Account& a);
  HttpExchange Api(const Session& s, const std::string& path);
  bool Fail(const std::string& what) {
    std::fprintf(stderr, "vigil demo: %s\n", what.c_str());
    return false;
  }

  HospitalDemoOptions o_;
  Clock::time_point t0_ = Clock::now();
  std::string dir_;
  std::string pki_;
  uint16_t broker_port_ = 0, api_port_ = 0, cloud_mgmt_port_ = 0;
  ChildProcess broker_, cloud_;
  std::vector<std::unique_ptr<Ward>> wards_;
  std::vector<Account> accounts_;
  std::string ca_cert_;
  std::array<uint8_t, privacy::kSiteKeySize> site_key_{};
  // Narration and the dashboard check.
  Session admin_, doctor_, nurse_;
  bool dashboard_ready_ = false;
  double dashboard_s_ = 0;
  Clock::time_point up_;
  double next_alert_poll_ = 0, next_ready_poll_ = 0;
  std::set<std::string> cloud_alerts_seen_;
  std::map<std::string, std::set<std::string>> cloud_alarms_seen_;
  // Intruders.
  std::vector<ChildProcess> intruders_;
  std::unique_ptr<RadioTap> tap_;
  Ward* tap_ward_ = nullptr;
  std::string tap_victim_;
  std::thread flood_thread_, brute_thread_;
  std::atomic<bool> attack_stop_{false};
  std::string clone_bundle_;
  Ward* clone_ward_ = nullptr;
  std::string clone_victim_;
  bool replay_done_ = false;
  int clone_done_ = -1, flood_done_ = -1, brute_done_ = -1;  // the last cycle each ran in
  double replay_at_ = -1;
};

HttpExchange Demo::Api(const Session& s, const std::string& path) {
  HttpTarget t;
  t.port = api_port_;
  t.ca = ca_cert_;
  return HttpFetch(t, "GET", path, {"Cookie: " + s.cookie});
}

Session Demo::Login(const Account& a) {
  HttpTarget t;
  t.port = api_port_;
  t.ca = ca_cert_;
  HttpExchange r = HttpFetch(t, "POST", "/login", {"Content-Type: application/json"},
                             json{{"user", a.user}, {"password", a.password}}.dump());
  Session s;
  if (r.status != 200) return s;
  const json first = json::parse(r.body, nullptr, false);
  if (first.is_object() && first.value("mfa_required", false)) {
    // The second step, as the person's authenticator app would answer it. A code is
    // accepted once per account and step, so a second login inside the same 30 s (the
    // summary's) takes the next step's code, which the window of one step allows.
    const std::optional<std::vector<uint8_t>> secret = auth::Base32Decode(a.totp_secret);
    if (!secret || !first.contains("mfa_ticket") || !first["mfa_ticket"].is_string()) return s;
    const auth::TotpParams p;
    const int64_t step = auth::TotpStep(WallMs() * 1000, p);
    bool done = false;
    for (int64_t st = step; st <= step + 1 && !done; ++st) {
      const std::optional<std::string> code = auth::TotpCodeAt(*secret, st, p);
      if (!code) return s;
      r = HttpFetch(t, "POST", "/login/mfa", {"Content-Type: application/json"},
                    json{{"mfa_ticket", first["mfa_ticket"]}, {"code", *code}}.dump());
      done = r.status == 200;
    }
    if (!done) return s;
  }
  std::vector<std::string> cookies;
  for (const auto& [k, v] : r.headers)
    if (k == "set-cookie") cookies.push_back(v.substr(0, v.find(';')));
  s.cookie = Join(cookies, "; ");
  const json j = json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("csrf_token") && j["csrf_token"].is_string())
    s.csrf = j["csrf_token"];
  return s;
}

bool Demo::Prepare() {
  if (o_.keep.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl =
        std::string(tmp != nullptr && *tmp != 0 ? tmp : "/tmp") + "/vigil-demo-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) return Fail("mkdtemp: " + tmpl);
    dir_ = tmpl;
  } else {
    std::error_code ec;
    if (fs::exists(o_.keep, ec) && !fs::is_empty(o_.keep, ec))
      return Fail("--keep " + o_.keep + ": the directory must be empty or absent");
    fs::create_directories(o_.keep, ec);
    if (ec) return Fail("--keep " + o_.keep + ": " + ec.message());
    dir_ = fs::canonical(o_.keep).string();
  }
  ::chmod(dir_.c_str(), 0700);
  pki_ = dir_ + "/pki";
  fs::create_directories(dir_ + "/scripts");
  if (!WriteFile(dir_ + "/scripts/pki.sh", kDemoPkiScript, 0700) ||
      !WriteFile(dir_ + "/scripts/broker.sh", kDemoBrokerScript, 0700))
    return Fail("cannot write the scripts into " + dir_);
  // One site key for the site's gateways: the demo computes the pseudonyms it admits.
  bool created = false;
  std::string why;
  if (privacy::LoadOrCreateSiteKey(dir_ + "/site.key", &site_key_, &created, &why) != Error::kOk)
    return Fail("site key: " + why);
  for (const WardPlan& p : Wards()) {
    auto w = std::make_unique<Ward>();
    w->name = p.name;
    w->gateway_id = "gw-" + w->name;
    w->dir = dir_ + "/" + w->name;
    fs::create_directories(w->dir);
    w->udp_port = FreeLoopbackPort(true);
    w->management_port = FreeLoopbackPort(false);
    wards_.push_back(std::move(w));
  }
  return true;
}

bool Demo::StartBroker() {
  std::vector<std::string> gws;
  for (const auto& w : wards_) gws.push_back(w->gateway_id);
  std::string why;
  // The certificates take a few seconds of openssl: the cloud's database is made meanwhile.
  ChildProcess pki;
  if (pki.Start(
          {"bash", dir_ + "/scripts/pki.sh", pki_, "--site", kSite, "--gateways", Join(gws, " ")},
          dir_ + "/pki.log", &why) != Error::kOk)
    return Fail("certificates: " + why);
  if (!MakeCloudDatabase()) return false;
  while (pki.Running()) {
    if (g_stop) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (pki.exit_code() != 0) return Fail("certificates: " + Tail(dir_ + "/pki.log"));
  broker_port_ = FreeLoopbackPort(false);
  if (!RunStep({"bash", dir_ + "/scripts/broker.sh", "config", pki_, std::to_string(broker_port_)},
               dir_ + "/pki.log", &why))
    return Fail("broker configuration: " + why);
  if (broker_.Start({"mosquitto", "-c", pki_ + "/mosquitto.conf"}, dir_ + "/mosquitto.out", &why) !=
      Error::kOk)
    return Fail("mosquitto: " + why);
  for (int k = 0; k < 500 && !g_stop; ++k) {
    if (!broker_.Running())
      return Fail("mosquitto exited: " + Tail(dir_ + "/mosquitto.out") +
                  Tail(pki_ + "/mosquitto.log"));
    HttpTarget probe;
    probe.port = broker_port_;
    probe.timeout_ms = 200;
    // A TCP connect is all that is asked: the broker answers nothing to HTTP.
    const HttpExchange r = HttpFetch(probe, "GET", "/");
    if (r.error.rfind("connect", 0) != 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Fail("mosquitto does not listen on 127.0.0.1:" + std::to_string(broker_port_));
}

bool Demo::MakeCloudDatabase() {
  using namespace vigil::cloud;
  std::unique_ptr<Database> db;
  if (Status s = OpenDatabase(dir_ + "/cloud.db", {}, &db); !s.ok())
    return Fail("database: " + s.ToString());
  MigrateReport mr;
  if (Status s = Migrate(*db, CloudMigrations(), WallMs(), &mr); !s.ok())
    return Fail("migrations: " + s.ToString());
  MasterKey mk;
  std::string why;
  if (CreateMasterKeyFile(dir_ + "/cloud.key", &mk, &why) != Error::kOk)
    return Fail("master key: " + why);
  Keyring keys;
  if (Status s = keys.Open(*db, {mk}, WallMs()); !s.ok()) return Fail("keyring: " + s.ToString());

  privacy::Pseudonymiser pseudonyms(site_key_);
  size_t n = 0;
  for (auto& w : wards_) {
    for (int b = 1; b <= o_.beds_per_ward; ++b) {
      Bed bed;
      bed.name = w->name + "-" + std::to_string(b);
      bed.mrn = "MRN-" + std::to_string(100000 + WallMs() % 900000 + static_cast<int64_t>(n));
      bed.patient_name = kPatientNames[n % (sizeof(kPatientNames) / sizeof(kPatientNames[0]))];
      ++n;
      if (pseudonyms.Pseudonym(bed.mrn, &bed.pseudonym) != Error::kOk)
        return Fail("cannot compute a pseudonym");
      bed.episode = EpisodeFor(w->name, b);
      AdmitRequest req;
      req.identity.name = bed.patient_name;
      req.identity.mrn = bed.mrn;
      req.pseudonym = bed.pseudonym;
      req.ward = w->name;
      req.bed = bed.name;
      req.start_ms = WallMs();
      AdmitResult r;
      if (Status s = Admit(*db, keys, req, WallMs(), &r); !s.ok())
        return Fail("admit: " + s.ToString());
      bed.patient_id = r.patient_id;
      w->beds.push_back(std::move(bed));
    }
  }

  // The staff: a nurse per ward, a doctor on every ward, an admin and an auditor, on duty
  // for 30 days from now.
  const int64_t now_us = WallMs() * 1000;
  const int64_t until_us = now_us + 30LL * 86400 * 1000000;
  auto add = [&](const std::string& user, policy::Role role, const std::string& display,
                 const std::vector<std::string>& wards) {
    api::UserAccount u;
    u.user_id = user;
    u.role = role;
    u.display_name = display;
    for (const auto& wd : wards) u.wards.push_back({wd, now_us, until_us});
    Account a;
    a.user = user;
    a.role = std::string(policy::RoleName(role));
    a.password = RandomPassword();
    a.wards = Join(wards, ",");
    auto hash = auth::HashPassword(a.password, auth::Argon2Params{});
    if (a.password.empty() || !hash) return Fail("password hashing failed");
    u.password_hash = *hash;
    api::DatabaseDirectory dir(*db);
    if (Status s = dir.Create(u); !s.ok()) return Fail("user " + user + ": " + s.ToString());
    SqlMfaStore mfa(*db, keys);
    auth::TotpEnrolment enrolment;
    if (vigil::Error e = auth::EnrolTotp(mfa, user, now_us, auth::MfaConfig{}, &enrolment);
        e != Error::kOk)
      return Fail("TOTP for " + user + ": " + std::string(ErrorName(e)));
    a.totp_secret = enrolment.offer.secret_base32;
    a.totp_text = auth::TotpTerminalText(user, enrolment);
    accounts_.push_back(a);
    return true;
  };
  std::vector<std::string> all;
  for (const auto& w : wards_) {
    all.push_back(w->name);
    if (!add("nurse." + w->name, policy::Role::kNurse, "Nurse of " + w->name, {w->name}))
      return false;
  }
  // The key the gateways verify the cloud's commands with (a revocation from the
  // dashboard's security view travels down as one: docs/uplink.md, "Downlink").
  uplink::CommandSigner signer;
  if (Status s = LoadOrCreateCommandSigner(*db, keys, now_us, &signer); !s.ok())
    return Fail("command key: " + s.ToString());
  const std::string pem = signer.PublicKeyPem();
  std::string key_why;
  if (pem.empty() ||
      WritePrivateFileAtomic(dir_ + "/cloud-command.pub",
                             ByteSpan(reinterpret_cast<const uint8_t*>(pem.data()), pem.size()),
                             true, &key_why) != Error::kOk)
    return Fail("command key: cannot write " + dir_ + "/cloud-command.pub " + key_why);
  return add("doctor", policy::Role::kDoctor, "Dr. On Call", all) &&
         add("admin", policy::Role::kAdmin, "Security Admin", {}) &&
         add("auditor", policy::Role::kAuditor, "Auditor", {});
}

bool Demo::StartCloud() {
  api_port_ = FreeLoopbackPort(false);
  cloud_mgmt_port_ = FreeLoopbackPort(false);
  ca_cert_ = dir_ + "/cloud-ca/ca.crt";
  std::string why;
  if (cloud_.Start({o_.self,
                    "cloud",
                    "serve",
                    "--db",
                    dir_ + "/cloud.db",
                    "--master-key-file",
                    dir_ + "/cloud.key",
                    "--broker",
                    "127.0.0.1:" + std::to_string(broker_port_),
                    "--tls-dir",
                    pki_,
                    "--client-id",
                    "vigil-demo-cloud",
                    "--api",
                    "127.0.0.1:" + std::to_string(api_port_),
                    "--ca-dir",
                    dir_ + "/cloud-ca",
                    "--management",
                    "127.0.0.1:" + std::to_string(cloud_mgmt_port_),
                    "--site",
                    kSite,
                    "--sqlite-sync-normal"},
                   dir_ + "/cloud.log", &why) != Error::kOk)
    return Fail("cloud: " + why);
  return true;
}

// Each ward's devices are enrolled in its registry one kind at a time (`vigil enroll`
// takes one kind per run); the wards in parallel, each a lane of its own.
bool Demo::EnrollAll() {
  struct Lane {
    Ward* ward;
    std::vector<DeviceKind> kinds;
    size_t next = 0;
    ChildProcess run;
    bool running = false;
  };
  std::vector<Lane> lanes;
  for (auto& w : wards_) {
    Lane l;
    l.ward = w.get();
    std::set<DeviceKind> kinds;
    for (const WardPlan& p : Wards())
      if (w->name == p.name) kinds.insert(p.kinds.begin(), p.kinds.end());
    l.kinds.assign(kinds.begin(), kinds.end());
    fs::create_directories(w->dir + "/enroll");
    lanes.push_back(std::move(l));
  }
  std::string why;
  for (bool busy = true; busy;) {
    if (g_stop) return false;
    busy = false;
    for (Lane& l : lanes) {
      Ward& w = *l.ward;
      if (l.running && !l.run.Running()) {
        l.running = false;
        const DeviceKind k = l.kinds[l.next++];
        if (l.run.exit_code() != 0)
          return Fail(w.name + ": enroll exited with " + std::to_string(l.run.exit_code()) + ": " +
                      Tail(w.dir + "/enroll.log"));
        const std::string out = w.dir + "/enroll/" + std::string(DeviceKindName(k));
        std::vector<std::string> bundles;
        for (const auto& e : fs::directory_iterator(out)) bundles.push_back(e.path().string());
        std::sort(bundles.begin(), bundles.end());
        for (size_t i = 0; i < bundles.size() && i < w.beds.size(); ++i) {
          Bed& bed = w.beds[i];
          bed.dir = w.dir + "/" + bed.name;
          fs::create_directories(bed.dir + "/bundles");
          const std::string name = fs::path(bundles[i]).filename().string();
          const std::optional<uint64_t> uid = UidFromString(name.substr(0, 16));
          if (!uid) return Fail("unexpected bundle name " + name);
          fs::rename(bundles[i], bed.dir + "/bundles/" + name);
          bed.devices.push_back({*uid, k});
          w.uids.push_back(*uid);
          w.label[*uid] = bed.name + " " + std::string(DeviceKindName(k));
        }
      }
      if (!l.running && l.next < l.kinds.size()) {
        const std::string kind(DeviceKindName(l.kinds[l.next]));
        if (l.run.Start({o_.self, "enroll", "--registry", w.dir + "/gateway.db", "--out-dir",
                         w.dir + "/enroll/" + kind, "--count", std::to_string(o_.beds_per_ward),
                         "--kind", kind, "--ward", w.name},
                        w.dir + "/enroll.log", &why) != Error::kOk)
          return Fail(w.name + ": enroll: " + why);
        l.running = true;
      }
      busy = busy || l.running;
    }
    if (busy) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (auto& w : wards_) {
    // "cpan <uid> ..." (vigil enroll's first line): the flood needs the coordinator's address.
    std::istringstream log(ReadAll(w->dir + "/enroll.log"));
    std::string line;
    while (std::getline(log, line))
      if (line.rfind("cpan ", 0) == 0) {
        if (auto u = UidFromString(line.substr(5, 16))) w->cpan_uid = *u;
        break;
      }
  }
  return true;
}

bool Demo::StartGateway(Ward& w) {
  std::ostringstream t;
  t << "# vigil demo: the " << w.name << " ward's gateway\n"
    << "[gateway]\nlisten = \"127.0.0.1:" << w.udp_port << "\"\nregistry = \"" << w.dir
    << "/gateway.db\"\nalerts = \"" << w.dir << "/alerts.eve.json\"\nlog = \"" << w.dir
    << "/gateway.log\"\nmanagement = \"127.0.0.1:" << w.management_port << "\"\nward = \"" << w.name
    << "\"\n\n[clinical]\nward = \"" << w.name << "\"\n";
  for (const Bed& b : w.beds) {
    t << "\n[[clinical.patient]]\nid = \"" << b.mrn << "\"\nbed = \"" << b.name << "\"\nward = \""
      << w.name << "\"\ndevices = [\n";
    for (const Device& d : b.devices)
      t << "  { uid = \"" << UidToString(d.uid) << "\", kind = \"" << DeviceKindName(d.kind)
        << "\" },\n";
    t << "]\n";
  }
  t << "\n[privacy]\nsite_key = \"" << dir_ << "/site.key\"\nbudget_file = \"" << w.dir
    << "/dp-budget\"\n\n[uplink]\nbroker = \"127.0.0.1:" << broker_port_ << "\"\nca = \"" << pki_
    << "/ca.crt\"\ncert = \"" << pki_ << "/" << w.gateway_id << ".crt\"\nkey = \"" << pki_ << "/"
    << w.gateway_id << ".key\"\nsite = \"" << kSite << "\"\ngateway_id = \"" << w.gateway_id
    << "\"\nqueue = \"" << w.dir << "/uplink.db\"\nsync = \"normal\"\ncommand_key = \"" << dir_
    << "/cloud-command.pub\"\n";
  const std::string conf = w.dir + "/gateway.toml";
  if (!WriteFile(conf, t.str(), 0600)) return Fail("cannot write " + conf);
  std::string why;
  if (w.gateway.Start({o_.self, "gateway", "--config", conf}, w.dir + "/gateway.out", &why) !=
      Error::kOk)
    return Fail(w.name + ": gateway: " + why);
  return true;
}

bool Demo::StartDevices(Ward& w) {
  std::string why;
  for (size_t i = 0; i < w.beds.size(); ++i) {
    const Bed& b = w.beds[i];
    uint16_t port = w.udp_port;
    // The first emergency bed is on a radio an eavesdropper hears (the replay intruder).
    if (w.name == "emergency" && i == 0) {
      tap_ = std::make_unique<RadioTap>();
      Result<Endpoint> gw = Endpoint::Parse("127.0.0.1:" + std::to_string(w.udp_port), &why);
      const Device& victim = b.devices.back();
      if (!gw.ok() ||
          tap_->Start(*gw, DefaultDaemonConfig().protocol, victim.uid, 3, &why) != Error::kOk)
        return Fail("radio tap: " + why);
      port = tap_->listen_port();
      tap_ward_ = &w;
      tap_victim_ = UidToString(victim.uid);
    }
    // The second ICU bed's oximeter is cloned before it first starts: its bundle, read by
    // the intruder (identity theft with a cloned device).
    if (w.name == "icu" && i + 1 == w.beds.size()) {
      for (const Device& d : b.devices)
        if (d.kind == DeviceKind::kPulseOximeter) {
          fs::create_directories(dir_ + "/intruders");
          clone_bundle_ = dir_ + "/intruders/clone.bundle.json";
          fs::copy_file(b.dir + "/bundles/" + UidToString(d.uid) + ".bundle.json", clone_bundle_,
                        fs::copy_options::overwrite_existing);
          ::chmod(clone_bundle_.c_str(), 0600);
          clone_ward_ = &w;
          clone_victim_ = UidToString(d.uid);
        }
    }
    std::vector<std::string> argv = {
        o_.self,       "device",         "--bundle-dir",  b.dir + "/bundles",
        "--store-dir", b.dir + "/store", "--gateway",     "127.0.0.1:" + std::to_string(port),
        "--bed",       b.name,           "--interval-ms", "1000"};
    if (b.episode != nullptr) {
      argv.push_back("--episode");
      argv.push_back(b.episode);
    }
    ChildProcess p;
    if (p.Start(argv, b.dir + "/devices.log", &why) != Error::kOk)
      return Fail(b.name + ": devices: " + why);
    w.devices.push_back(std::move(p));
  }
  return true;
}

void Demo::PrintBanner() {
  Say("");
  Say("Dashboard        https://127.0.0.1:" + std::to_string(api_port_) + "/");
  Say("Trust its CA     " + ca_cert_ + "   (curl --cacert " + ca_cert_ + " ...)");
  Say("Broker           127.0.0.1:" + std::to_string(broker_port_) +
      " (MQTT, TLS 1.3, client certificates)");
  Say("Cloud metrics    http://127.0.0.1:" + std::to_string(cloud_mgmt_port_) + "/metrics");
  std::string gws;
  for (const auto& w : wards_)
    gws += "  " + w->name + " udp:" + std::to_string(w->udp_port) +
           " http://127.0.0.1:" + std::to_string(w->management_port) + "/alarms\n";
  std::printf("Gateways\n%s", gws.c_str());
  Say("Work dir         " + dir_ +
      (o_.keep.empty() ? " (removed at the end; --keep DIR keeps it)" : ""));
  Say("");
  Say("Accounts (random passwords of this run)");
  std::string sheet;
  for (const Account& a : accounts_) {
    std::printf("  account %-16s %-8s password %s  totp %s%s%s\n", a.user.c_str(), a.role.c_str(),
                a.password.c_str(), a.totp_secret.c_str(), a.wards.empty() ? "" : "  wards ",
                a.wards.c_str());
    sheet += "account " + a.user + " (" + a.role + ")\npassword " + a.password + "\n" +
             a.totp_text + "\n\n";
  }
  const std::string sheet_path = dir_ + "/accounts.txt";
  std::string why;
  if (WritePrivateFileAtomic(sheet_path,
                             ByteSpan(reinterpret_cast<const uint8_t*>(sheet.data()), sheet.size()),
                             true, &why) != Error::kOk)
    Say("accounts.txt: " + why);
  Say("Every account has a TOTP second factor (RFC 6238, 6 digits, 30 s). The first nurse's,");
  Say("to scan with an authenticator app; all of them, with recovery codes, in " + sheet_path +
      ":");
  if (!accounts_.empty()) PrintSecondFactor(accounts_.front());
  Say("");
  Say(o_.duration_s > 0 ? "Running for " + std::to_string(static_cast<int>(o_.duration_s)) +
                              " s (Ctrl-C stops it earlier)."
                        : "Running until Ctrl-C.");
  Say("");
}

std::string At(Clock::time_point t0) {
  char b[16];
  std::snprintf(b, sizeof b, "[%6.1fs]", Since(t0));
  return b;
}

void Demo::Narrate() {
  for (auto& w : wards_) {
    for (const std::string& line : NewLines(w->dir + "/gateway.log", &w->log_offset)) {
      const json j = json::parse(line, nullptr, false);
      if (!j.is_object() || !j.contains("msg")) continue;
      const std::string msg = j.value("msg", "");
      if (msg == "associated") {
        const auto uid = UidFromString(j.value("uid", ""));
        if (!uid) continue;
        auto it = w->label.find(*uid);
        if (it == w->label.end()) continue;
        if (!w->associated.insert(*uid).second) continue;
        if (w->associated.size() == w->uids.size())
          Say(At(t0_) + " " + w->name + ": all " + std::to_string(w->uids.size()) +
              " devices associated (" + std::to_string(w->beds.size()) + " beds)");
      } else if (msg == "alarm") {
        const std::string ev = j.value("event", "");
        if (ev != "raised" && ev != "escalated") continue;
        Say(At(t0_) + " " + w->name + ": ALARM " + ev + " " + j.value("priority", "") + " " +
            j.value("condition", "") + " at bed " + j.value("bed", ""));
      } else if (msg == "uplink connected") {
        Say(At(t0_) + " " + w->name + ": uplink to the broker up");
      }
    }
    for (const std::string& line : NewLines(w->dir + "/alerts.eve.json", &w->eve_offset)) {
      const json j = json::parse(line, nullptr, false);
      if (!j.is_object() || !j.contains("alert")) continue;
      std::string dev;
      if (j.contains("metadata")) {
        const std::string m = j["metadata"].dump();
        const size_t p = m.find("\"device_uid\":\"");
        // An alert about traffic overall names no device (uid 0).
        if (p != std::string::npos && m.compare(p + 14, 16, std::string(16, '0')) != 0)
          dev = " (device " + m.substr(p + 14, 16) + ")";
      }
      Say(At(t0_) + " " + w->name +
          ": INTRUSION detected: " + j["alert"].value("signature", std::string("?")) + dev);
    }
  }
  if (!admin_.ok() || Since(t0_) < next_alert_poll_) return;
  next_alert_poll_ = Since(t0_) + 2;
  const HttpExchange r = Api(admin_, "/alerts?limit=200");
  const json j = json::parse(r.body, nullptr, false);
  if (r.status == 200 && j.is_object() && j.contains("alerts")) {
    // Newest first: print the new ones oldest first.
    std::vector<json> fresh;
    for (const json& a : j["alerts"])
      if (cloud_alerts_seen_.insert(a.value("id", "")).second) fresh.push_back(a);
    for (auto it = fresh.rbegin(); it != fresh.rend(); ++it) {
      std::string sig = "signature " + std::to_string(it->value("signature_id", 0));
      if ((*it)["eve"].is_object() && (*it)["eve"].contains("alert"))
        sig = (*it)["eve"]["alert"].value("signature", sig);
      Say(At(t0_) + " cloud: alert stored from " + it->value("source", std::string("?")) + ": " +
          sig);
    }
  }
  if (!doctor_.ok()) return;
  for (auto& w : wards_) {
    const HttpExchange a = Api(doctor_, "/api/wards/" + w->name + "/alarms");
    const json aj = json::parse(a.body, nullptr, false);
    if (a.status != 200 || !aj.is_object() || !aj.contains("alarms")) continue;
    for (const json& al : aj["alarms"]) {
      const std::string key = al.value("ref", al.value("id", al.dump()));
      if (!cloud_alarms_seen_[w->name].insert(key).second) continue;
      const std::string condition = al.contains("detail") && al.at("detail").is_object()
                                        ? al.at("detail").value("condition", "")
                                        : "";
      Say(At(t0_) + " cloud: " + w->name + " alarm stored: " + al.value("priority", "") + " " +
          condition + " (" + al.value("state", "") + ")");
    }
  }
}

// The dashboard is usable when the cloud says it is ready (broker subscribed, API up,
// database fine) and a nurse's ward view, logged in over HTTPS, shows a reading.
void Demo::CheckDashboard() {
  if (dashboard_ready_ || Since(t0_) < next_ready_poll_) return;
  next_ready_poll_ = Since(t0_) + 0.25;
  HttpTarget mgmt;
  mgmt.port = cloud_mgmt_port_;
  mgmt.timeout_ms = 1000;
  if (HttpFetch(mgmt, "GET", "/health/ready").status != 200) return;
  if (!admin_.ok()) {
    for (const Account& a : accounts_) {
      if (a.user == "admin") admin_ = Login(a);
      if (a.user == "doctor") doctor_ = Login(a);
    }
  }
  if (!nurse_.ok()) nurse_ = Login(accounts_.front());
  if (!nurse_.ok()) return;
  const HttpExchange r = Api(nurse_, "/api/wards/" + wards_.front()->name + "/latest");
  const json j = json::parse(r.body, nullptr, false);
  if (r.status != 200 || !j.is_object() || !j.contains("beds")) return;
  for (const json& b : j["beds"])
    if (b.contains("vitals") && b["vitals"].is_object() && !b["vitals"].empty()) {
      dashboard_ready_ = true;
      dashboard_s_ = Since(t0_);
      char line[160];
      std::snprintf(line, sizeof line,
                    "%s dashboard usable %.1f s after start (API ready, %s sees live vitals)",
                    At(t0_).c_str(), dashboard_s_, accounts_.front().user.c_str());
      Say(line);
      return;
    }
}

void Demo::Attacks(double t) {
  // t: seconds since the hospital came up. Every period: the clone at +4 s, the flood at
  // +8 s, the brute-force login at +12 s; the replay once the tap recorded its frames.
  const double period = o_.attack_period_s;
  const int cycle = static_cast<int>(t / period);
  const double in = t - cycle * period;
  std::string why;
  if (in >= 4 && clone_done_ < cycle && clone_ward_ != nullptr) {
    clone_done_ = cycle;
    Say(At(t0_) + " INTRUDER " + clone_ward_->name + ": a clone of device " + clone_victim_ +
        " (its bundle, copied before the device first started) tries to associate");
    const std::string store = dir_ + "/intruders/clone-store-" + std::to_string(cycle);
    std::vector<std::string> argv = {
        o_.self,       "device",
        "--bundle",    clone_bundle_,
        "--steal",     "full",
        "--store-dir", store,
        "--gateway",   "127.0.0.1:" + std::to_string(clone_ward_->udp_port),
        "--duration",  "6"};
    // The store import erases the bundle it read: the intruder works on a copy.
    const std::string copy = dir_ + "/intruders/clone-" + std::to_string(cycle) + ".bundle.json";
    fs::copy_file(clone_bundle_, copy, fs::copy_options::overwrite_existing);
    ::chmod(copy.c_str(), 0600);
    argv[3] = copy;
    ChildProcess p;
    if (p.Start(argv, dir_ + "/intruders/clone.log", &why) == Error::kOk)
      intruders_.push_back(std::move(p));
  }
  if (in >= 8 && flood_done_ < cycle && wards_.size() > 2) {
    flood_done_ = cycle;
    Ward& w = *wards_[2];
    Say(At(t0_) + " INTRUDER " + w.name +
        ": a flood of forged association requests (loopback, 2 s, at most 4000 frames)");
    if (flood_thread_.joinable()) flood_thread_.join();
    AttackPlan plan;
    plan.kind = AttackKind::kRandomUids;
    Result<Endpoint> gw = Endpoint::Parse("127.0.0.1:" + std::to_string(w.udp_port), &why);
    if (gw.ok()) {
      plan.target = *gw;
      plan.cpan_uid = w.cpan_uid;
      plan.protocol = DefaultDaemonConfig().protocol;
      plan.enrolled = w.uids;
      plan.sockets = 4;
      plan.duration = 2 * kSeconds;
      plan.max_packets = 4000;
      plan.rate = 2000;
      plan.seed = static_cast<uint64_t>(WallMs());
      flood_thread_ = std::thread([plan, this] { RunAttack(plan, attack_stop_); });
    }
  }
  if (in >= 12 && brute_done_ < cycle) {
    brute_done_ = cycle;
    Say(At(t0_) +
        " INTRUDER cloud: a brute-force login on /login: 12 guesses at account \"administrator\" "
        "from 3 addresses (127.0.0.66-68)");
    if (brute_thread_.joinable()) brute_thread_.join();
    brute_thread_ = std::thread([this] {
      // Spread over addresses, as a botnet does against per-source limits (the API allows
      // 10 logins a minute per source): the account's failures add up across them. The
      // throttle's delays then fall on those addresses, not on 127.0.0.1 (the demo's own
      // logins and the user's browser).
      HttpTarget api;
      api.port = api_port_;
      api.ca = ca_cert_;
      for (int i = 0; i < 12 && !attack_stop_; ++i) {
        api.source = "127.0.0." + std::to_string(66 + i % 3);
        HttpFetch(api, "POST", "/login", {"Content-Type: application/json"},
                  json{{"user", "administrator"}, {"password", "Winter2024!" + std::to_string(i)}}
                      .dump());
      }
    });
  }
  if (!replay_done_ && tap_ != nullptr && tap_->captured() >= 3) {
    if (replay_at_ < 0) replay_at_ = t + 6;  // past the link layer's duplicate window
    if (t >= replay_at_) {
      replay_done_ = true;
      const size_t n = tap_->Replay();
      Say(At(t0_) + " INTRUDER " + tap_ward_->name + ": " + std::to_string(n) +
          " recorded frames of device " + tap_victim_ + " replayed on its radio");
    }
  }
}

void Demo::StopDevices() {
  attack_stop_ = true;
  for (auto& p : intruders_) p.Terminate();
  for (auto& w : wards_)
    for (auto& d : w->devices) d.Terminate();
  for (auto& p : intruders_) p.Stop();
  for (auto& w : wards_)
    for (auto& d : w->devices) d.Stop();
  if (flood_thread_.joinable()) flood_thread_.join();
  if (brute_thread_.joinable()) brute_thread_.join();
  if (tap_) tap_->Stop();
}

void Demo::StopAll() {
  StopDevices();
  for (auto& w : wards_) w->gateway.Terminate();
  for (auto& w : wards_) w->gateway.Stop();
  cloud_.Stop();
  broker_.Stop();
}

// A stored alarm's condition is "spo2_low", "news2", ... or, for the technical ones (the
// data cannot be trusted: docs/clinical.md), "<vital>_sensor_stale", "<vital>_artefact".
bool IsClinical(const json& alarm) {
  if (!alarm.is_object() || !alarm.contains("detail") || !alarm.at("detail").is_object())
    return false;
  const std::string c = alarm.at("detail").value("condition", "");
  auto ends = [&c](const std::string& tail) {
    return c.size() >= tail.size() && c.compare(c.size() - tail.size(), tail.size(), tail) == 0;
  };
  return !c.empty() && !ends("_sensor_stale") && !ends("_artefact");
}

const char* AlertKind(int64_t sig) {
  if (sig >= 9100001 && sig <= 9100009) return "identity theft";
  if (sig >= 9100010 && sig <= 9100019) return "device authentication";
  if (sig >= 9100020 && sig <= 9100029) return "replay";
  if (sig >= 9100030 && sig <= 9100039) return "flooding";
  if (sig >= 9100040 && sig <= 9100049) return "device brute force";
  if (sig >= 9100050 && sig <= 9100059) return "broadcast forgery";
  if (sig >= 9100060 && sig <= 9100069) return "malformed input";
  if (sig >= 9100070 && sig <= 9100079) return "behaviour anomaly";
  if (sig >= 9100080 && sig <= 9100089) return "input dropped";
  if (sig == 9100090) return "alerts suppressed";
  if (sig == 9100205 || sig == 9100206) return "login brute force";
  if (sig == 9100207) return "API rate limit";
  if (sig >= 9100200 && sig <= 9100299) return "API misuse";
  return "other";
}

int Demo::Summary() {
  Say("");
  Say("Summary, read back from the cloud's API (https://127.0.0.1:" + std::to_string(api_port_) +
      ")");
  if (dashboard_ready_) {
    char b[96];
    std::snprintf(b, sizeof b, "  dashboard usable after   %.1f s", dashboard_s_);
    Say(b);
  } else {
    Say("  dashboard usable after   never (see " + dir_ + "/cloud.log)");
  }
  // Fresh sessions: the ones of the narration may have been cut by the run's end.
  Session doctor, admin;
  for (const Account& a : accounts_) {
    if (a.user == "doctor") doctor = Login(a);
    if (a.user == "admin") admin = Login(a);
  }
  if (!doctor.ok() || !admin.ok()) {
    Say("  the cloud's API did not let the demo's accounts log in");
    return 1;
  }
  bool ok = true;
  size_t total_alarms = 0;
  Say("  ward        readings  beds with vitals  alarms");
  for (const auto& w : wards_) {
    int64_t readings = 0, alarms = 0;
    for (const Bed& b : w->beds) {
      const json f = json::parse(
          Api(doctor, "/fhir/Observation?patient=" + std::to_string(b.patient_id) + "&_count=1")
              .body,
          nullptr, false);
      if (f.is_object() && f.contains("total") && f["total"].is_number())
        readings += f["total"].get<int64_t>();
      const json a =
          json::parse(Api(doctor, "/api/patients/" + std::to_string(b.patient_id) + "/alarms").body,
                      nullptr, false);
      if (a.is_object() && a.contains("alarms") && a["alarms"].is_array())
        for (const json& al : a["alarms"])
          if (IsClinical(al)) ++alarms;
    }
    const json l =
        json::parse(Api(doctor, "/api/wards/" + w->name + "/latest").body, nullptr, false);
    int with_vitals = 0;
    if (l.is_object() && l.contains("beds"))
      for (const json& b : l["beds"])
        if (b.contains("vitals") && b["vitals"].is_object() && !b["vitals"].empty()) ++with_vitals;
    char line[160];
    std::snprintf(line, sizeof line, "  %-10s %9lld  %7d of %-7zu %6lld", w->name.c_str(),
                  static_cast<long long>(readings), with_vitals, w->beds.size(),
                  static_cast<long long>(alarms));
    Say(line);
    if (readings == 0) ok = false;
    total_alarms += static_cast<size_t>(alarms);
  }
  if (total_alarms == 0) ok = false;
  const HttpExchange r = Api(admin, "/alerts?limit=1000");
  const json j = json::parse(r.body, nullptr, false);
  std::map<std::string, std::map<std::string, int>> by_kind;  // kind -> source -> count
  if (r.status == 200 && j.is_object() && j.contains("alerts"))
    for (const json& a : j["alerts"])
      ++by_kind[AlertKind(a.value("signature_id", int64_t{0}))]
               [a.value("source", std::string("?"))];
  Say("  security alerts by kind (source: count)");
  for (const auto& [kind, sources] : by_kind) {
    std::string s;
    for (const auto& [src, n] : sources)
      s += (s.empty() ? "" : ", ") + src + ": " + std::to_string(n);
    std::printf("    %-22s %s\n", kind.c_str(), s.c_str());
  }
  for (const char* need : {"identity theft", "replay", "flooding", "login brute force"}) {
    // Each intruder has had its turn 20 s after the hospital came up.
    if (!by_kind.count(need) && Since(up_) >= 20) ok = false;
  }
  std::fflush(stdout);
  return ok ? 0 : 1;
}

int Demo::Run() {
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  // The demo makes its own keys; an operator's must not leak into its children.
  ::unsetenv("VIGIL_CLOUD_MASTER_KEY");
  ::unsetenv("VIGIL_REGISTRY_KEY");

  Say("Vigil demo: the polyclinic on this machine: a broker, the cloud, " +
      std::to_string(Wards().size()) + " ward gateways, " +
      std::to_string(Wards().size() * static_cast<size_t>(o_.beds_per_ward)) +
      " patients with their devices, and intruders every " +
      std::to_string(static_cast<int>(o_.attack_period_s)) + " s");
  bool ok = Prepare();
  ok = ok && !g_stop && StartBroker();
  if (ok)
    Say(At(t0_) + " broker up on 127.0.0.1:" + std::to_string(broker_port_) + " (mutual TLS)");
  ok = ok && !g_stop && StartCloud();
  ok = ok && !g_stop && EnrollAll();
  for (auto& w : wards_) ok = ok && !g_stop && StartGateway(*w);
  if (ok) Say(At(t0_) + " cloud and " + std::to_string(wards_.size()) + " gateways started");
  for (auto& w : wards_) ok = ok && !g_stop && StartDevices(*w);
  int code = 2;
  if (ok && !g_stop) {
    PrintBanner();
    up_ = Clock::now();
    code = 0;
    while (!g_stop) {
      if (o_.duration_s > 0 && Since(t0_) >= o_.duration_s) break;
      // A child that died is a failure of the run, not something to carry on without.
      std::string dead;
      if (!broker_.Running()) dead = "the broker (" + pki_ + "/mosquitto.log)";
      if (!cloud_.Running()) dead = "the cloud (" + dir_ + "/cloud.log)";
      for (auto& w : wards_)
        if (!w->gateway.Running()) dead = w->name + "'s gateway (" + w->dir + "/gateway.log)";
      if (!dead.empty()) {
        std::fprintf(stderr, "vigil demo: %s stopped unexpectedly\n", dead.c_str());
        code = 1;
        break;
      }
      CheckDashboard();
      Narrate();
      Attacks(Since(up_));
      for (auto it = intruders_.begin(); it != intruders_.end();)
        it = it->Running() ? it + 1 : intruders_.erase(it);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    Say("");
    Say(At(t0_) + (g_stop ? " stopping (signal)" : " stopping (end of --duration)") +
        ": devices and intruders first, then the gateways' queues drain");
    StopDevices();
    // What the gateways queued reaches the cloud within a few batches.
    for (int k = 0; k < 20; ++k) {
      Narrate();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (cloud_.Running()) {
      const int s = Summary();
      if (code == 0) code = s;
    }
  }
  StopAll();
  Say(At(t0_) + " everything stopped");
  if (o_.keep.empty() && !dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  } else if (!dir_.empty()) {
    Say("Kept " + dir_ + " (logs, databases, certificates)");
  }
  return code;
}

}  // namespace

int RunHospitalDemo(const HospitalDemoOptions& options) {
  Demo demo(options);
  return demo.Run();
}

}  // namespace vigil::cli
