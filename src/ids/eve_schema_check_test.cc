#include "ids/eve_schema_check.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "common/test_temp_dir.h"
#include "ids/alert.h"
#include "ids/signatures.h"

namespace vigil::ids {
namespace {

nlohmann::json Good() {
  Alert a = MakeAlert(sig::kReplay);
  a.time = 5 * kSeconds;
  a.uid = 0x00124B0000AA0001;
  a.observer = 0xC0A0000000000001;
  a.link = 1;
  a.detector = "replay";
  a.detail = "counter 7 seen before";
  EveContext ctx;
  ctx.link_endpoint = [](uint64_t) { return EveEndpoint{"192.0.2.7", 5683, ""}; };
  return nlohmann::json::parse(FormatEveJson(a, ctx));
}

TEST(EveSchemaCheck, FormattedAlertPasses) { EXPECT_EQ(CheckEveAlert(Good()), ""); }

TEST(EveSchemaCheck, PreviousFormatIsRejected) {
  // An alert line as Vigil wrote it before it followed the schema.
  const char* old =
      R"({"timestamp":"2023-11-14T22:13:22.345678+0000","event_type":"alert",)"
      R"("src":"192.0.2.10:5690","dest":"gw-ward-a","device_uid":"00124b0000aa0001",)"
      R"("alert":{"signature":"x","signature_id":9100001,"severity":1,"category":"c"},)"
      R"("detector":"identity_theft","detail":"d"})";
  EXPECT_EQ(CheckEveAlertLine(old), "dest: not allowed here");  // keys in sorted order
}

TEST(EveSchemaCheck, UnknownTopLevelKeyIsRejected) {
  nlohmann::json j = Good();
  j["vigil"] = nlohmann::json::object();
  EXPECT_EQ(CheckEveAlert(j), "vigil: not allowed here");
}

TEST(EveSchemaCheck, HostPortInAnIpFieldIsRejected) {
  nlohmann::json j = Good();
  j["src_ip"] = "192.0.2.7:5683";
  EXPECT_EQ(CheckEveAlert(j), "src_ip: not a numeric IP address");
}

TEST(EveSchemaCheck, IpWithoutPortIsRejected) {
  nlohmann::json j = Good();
  j.erase("src_port");
  EXPECT_EQ(CheckEveAlert(j), "src_port: required with src_ip");
}

TEST(EveSchemaCheck, PortAsStringIsRejected) {
  nlohmann::json j = Good();
  j["src_port"] = "5683";
  EXPECT_EQ(CheckEveAlert(j), "src_port: expected an integer");
}

TEST(EveSchemaCheck, MissingGidIsRejected) {
  nlohmann::json j = Good();
  j["alert"].erase("gid");
  EXPECT_EQ(CheckEveAlert(j), "alert.gid: required");
}

TEST(EveSchemaCheck, UnknownAlertKeyIsRejected) {
  nlohmann::json j = Good();
  j["alert"]["detector"] = "replay";
  EXPECT_EQ(CheckEveAlert(j), "alert.detector: not allowed here");
}

TEST(EveSchemaCheck, ActionOutsideSuricataValuesIsRejected) {
  nlohmann::json j = Good();
  j["alert"]["action"] = "dropped";
  EXPECT_EQ(CheckEveAlert(j), "alert.action: expected \"allowed\" or \"blocked\"");
}

TEST(EveSchemaCheck, TimestampWithoutFractionIsRejected) {
  nlohmann::json j = Good();
  j["timestamp"] = "2023-11-14T22:13:22+0000";
  EXPECT_EQ(CheckEveAlert(j), "timestamp: does not match Suricata's timestamp pattern");
}

TEST(EveSchemaCheck, FlowIdBeyond51BitsIsRejected) {
  nlohmann::json j = Good();
  j["flow_id"] = int64_t{1} << 51;
  EXPECT_EQ(CheckEveAlert(j), "flow_id: outside [0, 2^51)");
}

TEST(EveSchemaCheck, UnknownMetadataKeyIsRejected) {
  nlohmann::json j = Good();
  j["metadata"]["vigil"] = 1;
  EXPECT_EQ(CheckEveAlert(j), "metadata.vigil: not allowed here");
}

TEST(EveSchemaCheck, BadUidInVigilObjectIsRejected) {
  nlohmann::json j = Good();
  j["metadata"]["flowvars"][0]["vigil"]["device_uid"] = "00124B0000AA0001";
  EXPECT_EQ(CheckEveAlert(j),
            "metadata.flowvars[0].vigil.device_uid: expected 16 lowercase hex digits");
}

TEST(EveSchemaCheck, NotJsonIsReported) {
  EXPECT_EQ(CheckEveAlertLine("{\"a\":"), "not valid JSON");
}

TEST(EveSchemaCheck, FileCheckNamesTheBadLine) {
  vigil::testing::TempDir dir;
  const std::string path = dir.path() + "/alerts.json";
  {
    std::ofstream out(path);
    out << Good().dump() << "\n" << Good().dump() << "\n{\"event_type\":\"alert\"}\n";
  }
  EXPECT_EQ(CheckEveFile(path), path + ":3: timestamp: required");
  size_t lines = 0;
  {
    std::ofstream out(path);
    out << Good().dump() << "\n" << Good().dump() << "\n";
  }
  EXPECT_EQ(CheckEveFile(path, &lines), "");
  EXPECT_EQ(lines, 2u);
  EXPECT_EQ(CheckEveFile(dir.path() + "/absent"), dir.path() + "/absent: cannot open");
}

}  // namespace
}  // namespace vigil::ids
