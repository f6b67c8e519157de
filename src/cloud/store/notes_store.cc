#include "cloud/store/notes_store.h"

namespace vigil::cloud {
namespace {

FieldContext BodyContext(const std::string& owner, const std::string& row) {
  return {"notes", "body", owner, row};
}

}  // namespace

Status NotesStore::Add(int64_t patient_id, std::string_view author, TimeUs time,
                       std::string_view text, int64_t* note_id) {
  if (text.empty() || text.size() > kMaxNoteBytes)
    return Fail(StoreError::kMisuse,
                "a note's text must be 1.." + std::to_string(kMaxNoteBytes) + " bytes");
  if (author.empty()) return Fail(StoreError::kMisuse, "a note needs its author");
  // The id is part of the seal, so the row is made first and its body sealed for it.
  return WithinTransaction(db_, [&]() -> Status {
    std::vector<Row> rows;
    if (Status s = db_.Execute(
            "INSERT INTO notes (patient_id, author, time_us, body) VALUES (?, ?, ?, ?) "
            "RETURNING note_id",
            {Value{patient_id}, Value{std::string(author)}, Value{time}, Value{Blob{}}}, &rows);
        !s.ok())
      return s;
    const int64_t id = rows.at(0).Int(0);
    Blob sealed;
    if (Status s =
            keys_.Seal(BodyContext(PatientOwner(patient_id), std::to_string(id)), text, &sealed);
        !s.ok())
      return s;
    if (Status s =
            db_.Execute("UPDATE notes SET body = ? WHERE note_id = ?", {Value{sealed}, Value{id}});
        !s.ok())
      return s;
    if (note_id != nullptr) *note_id = id;
    return Status::Ok();
  });
}

Status NotesStore::ForPatient(int64_t patient_id, TimeUs from, TimeUs to, size_t limit,
                              std::vector<Note>* out) {
  std::vector<Row> rows;
  if (Status s = db_.Execute(
          "SELECT note_id, author, time_us, body FROM notes WHERE patient_id = ? AND "
          "time_us >= ? AND time_us < ? ORDER BY time_us, note_id LIMIT ?",
          {Value{patient_id}, Value{from}, Value{to}, Value{static_cast<int64_t>(limit)}}, &rows);
      !s.ok())
    return s;
  const std::string owner = PatientOwner(patient_id);
  std::vector<Note> notes;
  for (const Row& r : rows) {
    Note n;
    n.note_id = r.Int(0);
    n.patient_id = patient_id;
    n.author = r.Text(1);
    n.time = r.Int(2);
    std::vector<uint8_t> plain;
    const Blob body = r.Bytes(3);
    if (Status s = keys_.Unseal(BodyContext(owner, std::to_string(n.note_id)), body, &plain);
        !s.ok())
      return Fail(s.code, "note " + std::to_string(n.note_id) + ": " + s.message);
    n.text.assign(plain.begin(), plain.end());
    notes.push_back(std::move(n));
  }
  out->insert(out->end(), std::make_move_iterator(notes.begin()),
              std::make_move_iterator(notes.end()));
  return Status::Ok();
}

}  // namespace vigil::cloud
