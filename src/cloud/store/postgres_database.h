// The PostgreSQL back-end of Database (database.h), over libpq: one connection,
// statements prepared once by name, parameters sent apart from the SQL (text for numbers
// and strings, binary for bytea), bulk rows by COPY ... FROM STDIN. libpq stays inside
// the .cc file.
//
// Errors map the SQLSTATE: class 23 (integrity) -> kConstraint, 40001/40P01
// (serialisation, deadlock) and 55P03 (lock not available) -> kBusy, the rest -> kQuery.
#pragma once

#include <memory>
#include <string>

#include "cloud/store/database.h"

namespace vigil::cloud {

Status OpenPostgres(const std::string& conninfo, std::unique_ptr<Database>* out);

}  // namespace vigil::cloud
