#include "cloud/backup/dump_codec.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace vigil::cloud::backup {
namespace {

constexpr uint8_t kTableTag = 'T', kRowTag = 'R', kEndTableTag = 'E', kEndTag = 'Z';
enum : uint8_t { kNull = 0, kInteger = 1, kReal = 2, kText = 3, kBlob = 4 };

void Put(std::vector<uint8_t>* out, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * (n - 1 - i))));
}
void PutName(std::vector<uint8_t>* out, std::string_view s) {
  Put(out, s.size(), 2);
  out->insert(out->end(), s.begin(), s.end());
}

}  // namespace

bool IsPlainIdentifier(std::string_view s) {
  if (s.empty() || s.size() > kMaxNameSize) return false;
  if (!(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z'))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  });
}

// ---- writer ----

BackupStatus DumpWriter::BeginTable(std::string_view name, std::span<const std::string> columns) {
  if (in_table_) return BackupFail(BackupError::kSchema, "a table starts inside another");
  if (!IsPlainIdentifier(name))
    return BackupFail(BackupError::kSchema,
                      "table name '" + std::string(name) + "' is not a plain identifier");
  if (columns.empty() || columns.size() > kMaxColumns)
    return BackupFail(BackupError::kSchema, "table " + std::string(name) + ": column count");
  rec_.clear();
  rec_.push_back(kTableTag);
  PutName(&rec_, name);
  Put(&rec_, columns.size(), 2);
  for (const std::string& c : columns) {
    if (!IsPlainIdentifier(c))
      return BackupFail(BackupError::kSchema, "column name '" + c + "' of " + std::string(name) +
                                                  " is not a plain identifier");
    PutName(&rec_, c);
  }
  in_table_ = true;
  columns_ = columns.size();
  table_rows_ = 0;
  return out_->Write(rec_);
}

BackupStatus DumpWriter::Row(std::span<const Value> values) {
  if (!in_table_ || values.size() != columns_)
    return BackupFail(BackupError::kSchema, "a row outside a table or of the wrong width");
  rec_.clear();
  rec_.push_back(kRowTag);
  for (const Value& v : values) {
    if (std::holds_alternative<std::nullptr_t>(v)) {
      rec_.push_back(kNull);
    } else if (const auto* n = std::get_if<int64_t>(&v)) {
      rec_.push_back(kInteger);
      Put(&rec_, static_cast<uint64_t>(*n), 8);
    } else if (const auto* d = std::get_if<double>(&v)) {
      rec_.push_back(kReal);
      Put(&rec_, std::bit_cast<uint64_t>(*d), 8);
    } else {
      const auto* s = std::get_if<std::string>(&v);
      const auto* b = std::get_if<Blob>(&v);
      const size_t size = s != nullptr ? s->size() : b->size();
      if (size > kMaxValueSize)
        return BackupFail(BackupError::kSchema, "a value larger than 64 MiB");
      rec_.push_back(s != nullptr ? kText : kBlob);
      Put(&rec_, size, 4);
      if (s != nullptr)
        rec_.insert(rec_.end(), s->begin(), s->end());
      else
        rec_.insert(rec_.end(), b->begin(), b->end());
    }
  }
  ++table_rows_;
  ++rows_;
  return out_->Write(rec_);
}

BackupStatus DumpWriter::EndTable() {
  if (!in_table_) return BackupFail(BackupError::kSchema, "a table ends that did not start");
  rec_.clear();
  rec_.push_back(kEndTableTag);
  Put(&rec_, table_rows_, 8);
  in_table_ = false;
  ++tables_;
  return out_->Write(rec_);
}

BackupStatus DumpWriter::End() {
  if (in_table_) return BackupFail(BackupError::kSchema, "the dump ends inside a table");
  rec_.clear();
  rec_.push_back(kEndTag);
  Put(&rec_, tables_, 4);
  Put(&rec_, rows_, 8);
  return out_->Write(rec_);
}

// ---- reader ----

BackupStatus DumpReader::Bad(const std::string& what) const {
  return BackupFail(BackupError::kCorrupt,
                    "content of chunk " + std::to_string(in_->chunk()) + ": " + what +
                        (table_.empty() ? std::string() : " (table " + table_ + ")"));
}

BackupStatus DumpReader::Uint(size_t n, uint64_t* v) {
  uint8_t b[8];
  if (BackupStatus s = Bytes(b, n); !s.ok()) return s;
  *v = 0;
  for (size_t i = 0; i < n; ++i) *v = *v << 8 | b[i];
  return BackupStatus::Ok();
}

BackupStatus DumpReader::Name(std::string_view what, std::string* out) {
  uint64_t n = 0;
  if (BackupStatus s = Uint(2, &n); !s.ok()) return s;
  if (n == 0 || n > kMaxNameSize)
    return Bad(std::string(what) + " name of length " + std::to_string(n));
  out->resize(n);
  if (BackupStatus s = Bytes(out->data(), n); !s.ok()) return s;
  if (!IsPlainIdentifier(*out)) return Bad(std::string(what) + " name is not a plain identifier");
  return BackupStatus::Ok();
}

BackupStatus DumpReader::Next(DumpItem* item) {
  if (ended_) return Bad("read past the end record");
  uint8_t tag = 0;
  if (BackupStatus s = Bytes(&tag, 1); !s.ok()) return s;
  switch (tag) {
    case kTableTag: {
      if (in_table_) return Bad("a table starts before the previous one ended");
      table_.clear();
      std::string name;
      if (BackupStatus s = Name("table", &name); !s.ok()) return s;
      if (std::find(seen_.begin(), seen_.end(), name) != seen_.end())
        return Bad("table " + name + " appears twice");
      uint64_t k = 0;
      if (BackupStatus s = Uint(2, &k); !s.ok()) return s;
      if (k == 0 || k > kMaxColumns)
        return Bad("table " + name + " with " + std::to_string(k) + " columns");
      columns_.assign(k, {});
      for (std::string& c : columns_) {
        if (BackupStatus s = Name("column", &c); !s.ok()) return s;
      }
      for (size_t i = 0; i < columns_.size(); ++i)
        if (std::find(columns_.begin(), columns_.begin() + static_cast<std::ptrdiff_t>(i),
                      columns_[i]) != columns_.begin() + static_cast<std::ptrdiff_t>(i))
          return Bad("table " + name + " names column " + columns_[i] + " twice");
      table_ = name;
      seen_.push_back(name);
      in_table_ = true;
      table_rows_ = 0;
      *item = DumpItem::kTable;
      return BackupStatus::Ok();
    }
    case kRowTag: {
      if (!in_table_) return Bad("a row outside a table");
      row_.resize(columns_.size());
      for (Value& v : row_) {
        uint8_t type = 0;
        if (BackupStatus s = Bytes(&type, 1); !s.ok()) return s;
        uint64_t x = 0;
        switch (type) {
          case kNull:
            v = nullptr;
            break;
          case kInteger:
            if (BackupStatus s = Uint(8, &x); !s.ok()) return s;
            v = static_cast<int64_t>(x);
            break;
          case kReal:
            if (BackupStatus s = Uint(8, &x); !s.ok()) return s;
            v = std::bit_cast<double>(x);
            break;
          case kText:
          case kBlob: {
            if (BackupStatus s = Uint(4, &x); !s.ok()) return s;
            if (x > kMaxValueSize) return Bad("a value of " + std::to_string(x) + " bytes");
            if (type == kText) {
              std::string t(x, '\0');
              if (BackupStatus s = Bytes(t.data(), x); !s.ok()) return s;
              v = std::move(t);
            } else {
              Blob b(x);
              if (BackupStatus s = Bytes(b.data(), x); !s.ok()) return s;
              v = std::move(b);
            }
            break;
          }
          default:
            return Bad("unknown value type " + std::to_string(type));
        }
      }
      ++table_rows_;
      ++rows_;
      *item = DumpItem::kRow;
      return BackupStatus::Ok();
    }
    case kEndTableTag: {
      if (!in_table_) return Bad("a table end outside a table");
      uint64_t n = 0;
      if (BackupStatus s = Uint(8, &n); !s.ok()) return s;
      if (n != table_rows_)
        return Bad("the table's end counts " + std::to_string(n) + " rows, " +
                   std::to_string(table_rows_) + " were read");
      in_table_ = false;
      ++tables_;
      *item = DumpItem::kEndTable;
      return BackupStatus::Ok();
    }
    case kEndTag: {
      if (in_table_) return Bad("the dump ends inside a table");
      uint64_t t = 0, r = 0;
      if (BackupStatus s = Uint(4, &t); !s.ok()) return s;
      if (BackupStatus s = Uint(8, &r); !s.ok()) return s;
      if (t != tables_ || r != rows_)
        return Bad("the end record counts " + std::to_string(t) + " tables and " +
                   std::to_string(r) + " rows, " + std::to_string(tables_) + " and " +
                   std::to_string(rows_) + " were read");
      if (BackupStatus s = in_->ExpectEnd(); !s.ok()) return s;
      table_.clear();
      ended_ = true;
      *item = DumpItem::kEnd;
      return BackupStatus::Ok();
    }
    default:
      return Bad("unknown record type " + std::to_string(tag));
  }
}

}  // namespace vigil::cloud::backup
