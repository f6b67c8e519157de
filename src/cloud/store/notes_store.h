// Clinical notes about a patient (table `notes`, migration 2), their text sealed under
// the patient like the patient's identity (keyring.h): FieldContext notes / body /
// "patient:<id>" / note id. A note's body copied to another note, or the row moved to
// another patient, fails to open (kCrypto) instead of showing one patient's note as
// another's. Author and time stay in clear: the dashboard lists notes by time, and the
// audit names the author anyway.
//
// Errors: kMisuse for an empty or oversized text or no author (nothing written); kCrypto
// for a body that does not open (ForPatient then fails as a whole, so that no list
// silently leaves a note out; the message names the note); kConstraint for a patient
// that does not exist (the foreign key); or the database's.
//
// Thread-safety: one store per Database connection; neither is thread-safe. The keyring
// is only read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cloud/crypto/keyring.h"
#include "cloud/store/database.h"
#include "common/time.h"

namespace vigil::cloud {

inline constexpr size_t kMaxNoteBytes = 64 * 1024;

struct Note {
  int64_t note_id = 0;
  int64_t patient_id = 0;
  std::string author;  // the user id that wrote it
  TimeUs time = 0;     // Unix time, microseconds
  std::string text;
};

class NotesStore {
 public:
  NotesStore(Database& db, const Keyring& keys) : db_(db), keys_(keys) {}

  // Stores a note; *note_id (may be null) receives its id. Joins an open transaction.
  Status Add(int64_t patient_id, std::string_view author, TimeUs time, std::string_view text,
             int64_t* note_id);
  // The patient's notes with time in [from, to), oldest first, at most `limit`.
  Status ForPatient(int64_t patient_id, TimeUs from, TimeUs to, size_t limit,
                    std::vector<Note>* out);

 private:
  Database& db_;
  const Keyring& keys_;
};

}  // namespace vigil::cloud
