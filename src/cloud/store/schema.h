// The cloud's schema: the numbered migrations of docs/cloud.md ("Schema and migrations"),
// in order. A module that needs tables (the audit chain, users and sessions) appends its
// own migration here with the next number; released migrations never change.
#pragma once

#include <span>

#include "cloud/store/migrations.h"

namespace vigil::cloud {

std::span<const Migration> CloudMigrations();

}  // namespace vigil::cloud
