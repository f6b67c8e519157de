#include "cloud/fhir/observation.h"

#include <cmath>
#include <string>

namespace vigil::fhir {

namespace {

constexpr std::string_view kHeartRateProfile = "http://hl7.org/fhir/StructureDefinition/heartrate";
constexpr std::string_view kRespRateProfile = "http://hl7.org/fhir/StructureDefinition/resprate";
constexpr std::string_view kOxygenSatProfile = "http://hl7.org/fhir/StructureDefinition/oxygensat";
constexpr std::string_view kBodyTempProfile = "http://hl7.org/fhir/StructureDefinition/bodytemp";
constexpr std::string_view kObservationProfile =
    "http://hl7.org/fhir/StructureDefinition/Observation";

constexpr int64_t kMaxTimeMs = 253402300799999;  // 9999-12-31T23:59:59.999Z

// The pulse-oximetry codes that accompany the profile's required code.
constexpr std::string_view kSpO2PulseOx = "59408-5";
constexpr std::string_view kSpO2PulseOxDisplay =
    "Oxygen saturation in Arterial blood by Pulse oximetry";
constexpr std::string_view kPulseRateOx = "8889-8";
constexpr std::string_view kPulseRateOxDisplay = "Heart rate by Pulse oximetry";

Json Category(std::string_view code) {
  const std::string_view display = code == "vital-signs" ? "Vital Signs" : "Laboratory";
  return Json::array({{{"coding", Json::array({Coding(kObservationCategory, code, display)})},
                       {"text", display}}});
}

// An integral value is written as an integer ("97", not "97.0"), as the uplink writes it
// (the shortest form that reads back to the same double): FHIR reads the digits of a
// decimal as its precision, and a device that reports 97 % did not measure 97.0.
Json Number(double v) {
  constexpr double kExact = 9007199254740992.0;  // 2^53
  if (v == std::floor(v) && std::fabs(v) < kExact) return static_cast<int64_t>(v);
  return v;
}

Json Quantity(double value, std::string_view unit_text, std::string_view ucum) {
  return {{"value", Number(value)}, {"unit", unit_text}, {"system", kUcum}, {"code", ucum}};
}

Json CodeOf(const VitalCoding& c, Vital v, DeviceKind device) {
  Json codings = Json::array({Coding(kLoinc, c.loinc, c.display)});
  if (v == Vital::kSpO2) codings.push_back(Coding(kLoinc, kSpO2PulseOx, kSpO2PulseOxDisplay));
  if (v == Vital::kPulseRate && device == DeviceKind::kPulseOximeter)
    codings.push_back(Coding(kLoinc, kPulseRateOx, kPulseRateOxDisplay));
  return {{"coding", codings}, {"text", c.display}};
}

Json Questionable() {
  return Json::array(
      {{{"coding",
         Json::array({Coding(kVigilReadingQuality, "questionable", "Questionable reading")})},
        {"text", "Questionable: plausible but flagged at the edge (artefact suspected)"}}});
}

// What every Observation starts with, in the order of the specification's examples.
Json Head(int64_t id, std::string_view profile, std::string_view category) {
  return {{"resourceType", "Observation"},
          {"id", std::to_string(id)},
          {"meta", {{"profile", Json::array({profile})}}},
          {"status", "final"},
          {"category", Category(category)}};
}

void Tail(Json& o, int64_t patient_id, int64_t time_ms) {
  o["subject"] = {{"reference", "Patient/" + std::to_string(patient_id)}};
  o["effectiveDateTime"] = Instant(time_ms);
}

ObservationError CheckCommon(int64_t id, int64_t patient_id, int64_t time_ms, uplink::Quality q) {
  if (id <= 0 || patient_id <= 0) return ObservationError::kBadId;
  if (time_ms < 0 || time_ms > kMaxTimeMs) return ObservationError::kBadTime;
  if (q == uplink::Quality::kInvalid) return ObservationError::kInvalidReading;
  return ObservationError::kOk;
}

Json Device(DeviceKind k) {
  std::string name(DeviceKindName(k));
  for (char& c : name)
    if (c == '_') c = ' ';
  return {{"display", name}};
}

}  // namespace

std::string_view ObservationErrorName(ObservationError e) {
  switch (e) {
    case ObservationError::kOk:
      return "ok";
    case ObservationError::kInvalidReading:
      return "invalid_reading";
    case ObservationError::kNotAnObservation:
      return "not_an_observation";
    case ObservationError::kBadId:
      return "bad_id";
    case ObservationError::kBadValue:
      return "bad_value";
    case ObservationError::kBadTime:
      return "bad_time";
  }
  return "unknown";
}

std::optional<VitalCoding> VitalCodingOf(Vital v) {
  switch (v) {
    case Vital::kHeartRate:
      return VitalCoding{"8867-4", "Heart rate", kHeartRateProfile, "vital-signs", "beats/minute"};
    case Vital::kPulseRate:
      // The heart-rate profile requires 8867-4; a pulse oximeter's rate adds 8889-8.
      return VitalCoding{"8867-4", "Heart rate", kHeartRateProfile, "vital-signs", "beats/minute"};
    case Vital::kSpO2:
      // The oxygen-saturation profile requires 2708-6; pulse oximetry adds 59408-5.
      return VitalCoding{"2708-6", "Oxygen saturation in Arterial blood", kOxygenSatProfile,
                         "vital-signs", "%"};
    case Vital::kRespRate:
      return VitalCoding{"9279-1", "Respiratory rate", kRespRateProfile, "vital-signs",
                         "breaths/minute"};
    case Vital::kTemperature:
      return VitalCoding{"8310-5", "Body temperature", kBodyTempProfile, "vital-signs", "°C"};
    case Vital::kSystolic:
      return VitalCoding{"8480-6", "Systolic blood pressure", kVitalSignsProfile, "vital-signs",
                         "mmHg"};
    case Vital::kDiastolic:
      return VitalCoding{"8462-4", "Diastolic blood pressure", kVitalSignsProfile, "vital-signs",
                         "mmHg"};
    case Vital::kGlucose:
      // Not in the vital-signs panel: a (point-of-care or device) glucose measurement, under
      // the base Observation profile.
      return VitalCoding{"15074-8", "Glucose [Moles/volume] in Blood", kObservationProfile,
                         "laboratory", "mmol/L"};
    case Vital::kInfusionRate:
    case Vital::kInfusionVolume:
      return std::nullopt;
  }
  return std::nullopt;
}

ObservationError ObservationFromVital(const StoredVital& v, Json* out) {
  const std::optional<VitalCoding> c = VitalCodingOf(v.vital);
  if (!c) return ObservationError::kNotAnObservation;
  if (ObservationError e = CheckCommon(v.id, v.patient_id, v.time_ms, v.quality);
      e != ObservationError::kOk)
    return e;
  if (!std::isfinite(v.value)) return ObservationError::kBadValue;
  Json o = Head(v.id, c->profile, c->category);
  o["code"] = CodeOf(*c, v.vital, v.device_kind);
  Tail(o, v.patient_id, v.time_ms);
  o["valueQuantity"] = Quantity(v.value, c->unit_text, VitalUcumUnit(v.vital));
  if (v.quality == uplink::Quality::kQuestionable) o["interpretation"] = Questionable();
  o["device"] = Device(v.device_kind);
  *out = std::move(o);
  return ObservationError::kOk;
}

ObservationError BloodPressurePanel(const StoredBloodPressure& bp, Json* out) {
  if (ObservationError e = CheckCommon(bp.id, bp.patient_id, bp.time_ms, bp.quality);
      e != ObservationError::kOk)
    return e;
  if (!std::isfinite(bp.systolic) || !std::isfinite(bp.diastolic))
    return ObservationError::kBadValue;
  const VitalCoding sys = *VitalCodingOf(Vital::kSystolic);
  const VitalCoding dia = *VitalCodingOf(Vital::kDiastolic);
  Json o = Head(bp.id, kBloodPressureProfile, "vital-signs");
  constexpr std::string_view kPanel = "Blood pressure panel with all children optional";
  o["code"] = {{"coding", Json::array({Coding(kLoinc, "85354-9", kPanel)})},
               {"text", "Blood pressure"}};
  Tail(o, bp.patient_id, bp.time_ms);
  if (bp.quality == uplink::Quality::kQuestionable) o["interpretation"] = Questionable();
  o["device"] = Device(bp.device_kind);
  auto component = [](const VitalCoding& c, Vital v, double value) {
    return Json{
        {"code",
         {{"coding", Json::array({Coding(kLoinc, c.loinc, c.display)})}, {"text", c.display}}},
        {"valueQuantity", Quantity(value, c.unit_text, VitalUcumUnit(v))}};
  };
  o["component"] = Json::array({component(sys, Vital::kSystolic, bp.systolic),
                                component(dia, Vital::kDiastolic, bp.diastolic)});
  *out = std::move(o);
  return ObservationError::kOk;
}

}  // namespace vigil::fhir
