#include "common/telemetry/classify.h"

namespace vigil {
namespace {

// Indexed by Vital. Sources: the measuring ranges of bedside monitors and pumps (ECG and
// pulse rate to 300-350/min, NIBP 0-300 mmHg, SpO2 0-100 %), and the extremes recorded
// in living patients (body temperature below 15 and above 46 degC, glucose far above
// 50 mmol/L in hyperosmolar states). Wide on purpose: they catch what cannot be, not
// what is alarming.
constexpr PhysicalRange kRanges[kVitalCount] = {
    {0, 350},   // heart_rate, beats/min
    {0, 350},   // pulse_rate, beats/min
    {0, 100},   // spo2, %
    {0, 120},   // resp_rate, breaths/min
    {10, 47},   // temperature, degC
    {0, 300},   // systolic, mmHg
    {0, 300},   // diastolic, mmHg
    {0, 100},   // glucose, mmol/L
    {0, 1200},  // infusion_rate, mL/h
    {0, 5000},  // infusion_volume, mL
};

void Set(ClassifiedReading& c, ValueClass vc, ClassReason r) {
  c.value_class = vc;
  c.reason = r;
}

}  // namespace

std::string_view ValueClassName(ValueClass c) {
  switch (c) {
    case ValueClass::kClinical:
      return "clinical";
    case ValueClass::kArtefact:
      return "artefact";
    case ValueClass::kImplausible:
      return "implausible";
  }
  return "?";
}

std::string_view ClassReasonName(ClassReason r) {
  switch (r) {
    case ClassReason::kPlausible:
      return "plausible";
    case ClassReason::kFlagged:
      return "flagged";
    case ClassReason::kNoSignalPattern:
      return "no_signal_pattern";
    case ClassReason::kCuffErrorPattern:
      return "cuff_error_pattern";
    case ClassReason::kBelowPhysicalRange:
      return "below_physical_range";
    case ClassReason::kAbovePhysicalRange:
      return "above_physical_range";
    case ClassReason::kDiastolicNotBelowSystolic:
      return "diastolic_not_below_systolic";
    case ClassReason::kNotMeasuredByKind:
      return "not_measured_by_kind";
  }
  return "?";
}

PhysicalRange PhysicalRangeOf(Vital v) { return kRanges[static_cast<size_t>(v)]; }

Classification Classify(const TelemetryPack& pack, VitalSet measured) {
  Classification out;
  out.count = pack.count;
  auto value_of = [](const ClassifiedReading& c, Vital v) {
    return c.reading.vital == v && c.value_class == ValueClass::kClinical;
  };
  // Per record: kind, flag, range.
  for (size_t i = 0; i < pack.count; ++i) {
    const DecodedRecord& d = pack.records[i];
    ClassifiedReading& c = out.items[i];
    c.reading = d.reading;
    c.artefact = d.artefact;
    const PhysicalRange range = PhysicalRangeOf(d.reading.vital);
    if (!(measured & VitalBit(d.reading.vital))) {
      Set(c, ValueClass::kImplausible, ClassReason::kNotMeasuredByKind);
    } else if (d.artefact != senml::Artefact::kNone) {
      Set(c, ValueClass::kArtefact, ClassReason::kFlagged);
    } else if (d.reading.value < range.lo) {
      Set(c, ValueClass::kImplausible, ClassReason::kBelowPhysicalRange);
    } else if (d.reading.value > range.hi) {
      Set(c, ValueClass::kImplausible, ClassReason::kAbovePhysicalRange);
    }
  }
  // Value patterns of devices that do not flag.
  bool spo2_artefact = false;
  for (size_t i = 0; i < out.count; ++i) {
    ClassifiedReading& c = out.items[i];
    if (value_of(c, Vital::kSpO2) && c.reading.value == 0) {
      Set(c, ValueClass::kArtefact, ClassReason::kNoSignalPattern);
      c.artefact = senml::Artefact::kNoSignal;
    }
    spo2_artefact |= c.reading.vital == Vital::kSpO2 && c.value_class == ValueClass::kArtefact;
  }
  for (size_t i = 0; i < out.count && spo2_artefact; ++i) {
    ClassifiedReading& c = out.items[i];
    if (value_of(c, Vital::kPulseRate) && c.reading.value == 0) {
      Set(c, ValueClass::kArtefact, ClassReason::kNoSignalPattern);
      c.artefact = senml::Artefact::kNoSignal;
    }
  }
  // Blood pressure pairs measured together (same time).
  for (size_t i = 0; i < out.count; ++i) {
    if (!value_of(out.items[i], Vital::kSystolic)) continue;
    for (size_t j = 0; j < out.count; ++j) {
      ClassifiedReading& sys = out.items[i];
      ClassifiedReading& dia = out.items[j];
      if (!value_of(dia, Vital::kDiastolic) || dia.reading.time != sys.reading.time) continue;
      if (sys.reading.value == 0 && dia.reading.value == 0) {
        for (ClassifiedReading* c : {&sys, &dia}) {
          Set(*c, ValueClass::kArtefact, ClassReason::kCuffErrorPattern);
          c->artefact = senml::Artefact::kCuffError;
        }
      } else if (dia.reading.value >= sys.reading.value) {
        Set(sys, ValueClass::kImplausible, ClassReason::kDiastolicNotBelowSystolic);
        Set(dia, ValueClass::kImplausible, ClassReason::kDiastolicNotBelowSystolic);
      }
      break;
    }
  }
  for (size_t i = 0; i < out.count; ++i) {
    switch (out.items[i].value_class) {
      case ValueClass::kClinical:
        ++out.clinical;
        break;
      case ValueClass::kArtefact:
        ++out.artefacts;
        break;
      case ValueClass::kImplausible:
        ++out.implausible;
        break;
    }
  }
  return out;
}

}  // namespace vigil
