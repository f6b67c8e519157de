#include "connection/device_directory.h"

namespace vigil {

EnrolledDevice EnrollmentRecord(CryptoProvider& c, const DeviceSecrets& s) {
  EnrolledDevice d;
  d.uid = s.uid;
  d.kd = s.kd;
  CommonFunctionR1(c, s.username.span(), s.password.span(), d.r1);
  CommonFunctionR3(c, s, d.r3);
  return d;
}

}  // namespace vigil
