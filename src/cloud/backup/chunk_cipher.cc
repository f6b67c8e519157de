#include "cloud/backup/chunk_cipher.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <algorithm>
#include <limits>
#include <string>

namespace vigil::cloud::backup {

// One AES-256-GCM context keyed with the file key; each chunk re-initialises only the IV.
class GcmContext {
 public:
  GcmContext() : ctx_(EVP_CIPHER_CTX_new()) {}
  ~GcmContext() {
    EVP_CIPHER_CTX_free(ctx_);
    OPENSSL_cleanse(key_.data(), key_.size());
  }

  bool Init(const BackupKey& key, const Header& h, bool encrypt) {
    EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
    if (kdf == nullptr) return false;
    EVP_KDF_CTX* kctx = EVP_KDF_CTX_new(kdf);
    EVP_KDF_free(kdf);
    if (kctx == nullptr) return false;
    std::array<uint8_t, kBackupKeySize> ikm = key.key;
    std::array<uint8_t, kSaltSize> salt = h.salt;
    std::string info(kFileKeyInfo);
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ikm.data(), ikm.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt.data(), salt.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
        OSSL_PARAM_construct_end()};
    const bool derived = EVP_KDF_derive(kctx, key_.data(), key_.size(), params) == 1;
    EVP_KDF_CTX_free(kctx);
    OPENSSL_cleanse(ikm.data(), ikm.size());
    if (!derived || ctx_ == nullptr) return false;
    return EVP_CipherInit_ex(ctx_, EVP_aes_256_gcm(), nullptr, key_.data(), nullptr,
                             encrypt ? 1 : 0) == 1;
  }

  // Seals `in` into `out` (ciphertext || tag).
  bool Seal(const std::array<uint8_t, kNonceSize>& nonce, ByteSpan aad, ByteSpan in,
            std::vector<uint8_t>* out) {
    out->resize(in.size() + kTagSize);
    int len = 0, fin = 0;
    return EVP_CipherInit_ex(ctx_, nullptr, nullptr, nullptr, nonce.data(), 1) == 1 &&
           EVP_EncryptUpdate(ctx_, nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1 &&
           EVP_EncryptUpdate(ctx_, out->data(), &len, in.data(), static_cast<int>(in.size())) ==
               1 &&
           EVP_EncryptFinal_ex(ctx_, out->data() + len, &fin) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagSize),
                               out->data() + in.size()) == 1;
  }

  // Opens ciphertext || tag into `out`; false if it does not authenticate.
  bool Open(const std::array<uint8_t, kNonceSize>& nonce, ByteSpan aad, ByteSpan in,
            std::vector<uint8_t>* out) {
    const size_t n = in.size() - kTagSize;
    out->resize(n);
    std::array<uint8_t, kTagSize> tag{};
    std::copy(in.end() - kTagSize, in.end(), tag.begin());
    int len = 0, fin = 0;
    const bool ok =
        EVP_CipherInit_ex(ctx_, nullptr, nullptr, nullptr, nonce.data(), 0) == 1 &&
        EVP_DecryptUpdate(ctx_, nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1 &&
        EVP_DecryptUpdate(ctx_, out->data(), &len, in.data(), static_cast<int>(n)) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagSize), tag.data()) ==
            1 &&
        EVP_DecryptFinal_ex(ctx_, out->data() + len, &fin) == 1;
    if (!ok) {
      OPENSSL_cleanse(out->data(), out->size());
      out->clear();
    }
    return ok;
  }

 private:
  EVP_CIPHER_CTX* ctx_;
  std::array<uint8_t, 32> key_{};
};

// ---- writer ----

ChunkWriter::ChunkWriter() = default;
ChunkWriter::~ChunkWriter() {
  if (!buf_.empty()) OPENSSL_cleanse(buf_.data(), buf_.size());
}

BackupStatus ChunkWriter::Start(const BackupKey& key, Header header, ByteSink* sink) {
  if (header.chunk_size < kMinChunkSize || header.chunk_size > kMaxChunkSize)
    return BackupFail(BackupError::kUnsupported, "chunk size outside 1..16 MiB");
  header.format_version = kFormatVersion;
  header.key_id = key.id;
  if (RAND_bytes(header.salt.data(), static_cast<int>(header.salt.size())) != 1 ||
      RAND_bytes(header.nonce_prefix.data(), static_cast<int>(header.nonce_prefix.size())) != 1)
    return BackupFail(BackupError::kCrypto, "the random source failed");
  header_ = header;
  EncodeHeader(header_, &aad_);
  gcm_ = std::make_unique<GcmContext>();
  if (!gcm_->Init(key, header_, true))
    return BackupFail(BackupError::kCrypto, "AES-256-GCM or HKDF unavailable in OpenSSL");
  sink_ = sink;
  buf_.reserve(header_.chunk_size);
  if (BackupStatus s = sink_->Write(aad_); !s.ok()) return s;
  file_bytes_ = kHeaderSize;
  return BackupStatus::Ok();
}

BackupStatus ChunkWriter::Seal(bool last) {
  if (chunk_ == std::numeric_limits<uint32_t>::max())
    return BackupFail(BackupError::kUnsupported, "more chunks than the nonce can number");
  if (!gcm_->Seal(ChunkNonce(header_, chunk_, last), aad_, buf_, &out_))
    return BackupFail(BackupError::kCrypto, "AES-256-GCM failed");
  OPENSSL_cleanse(buf_.data(), buf_.size());
  buf_.clear();
  if (BackupStatus s = sink_->Write(out_); !s.ok()) return s;
  file_bytes_ += out_.size();
  ++chunk_;
  return BackupStatus::Ok();
}

BackupStatus ChunkWriter::Write(ByteSpan plain) {
  if (sink_ == nullptr || finished_)
    return BackupFail(BackupError::kIo, "write to a backup not started or already finished");
  plain_bytes_ += plain.size();
  while (!plain.empty()) {
    // A full chunk is sealed only when more bytes follow it: the last chunk is whatever
    // is buffered at Finish, so that it is always sealed as the last.
    if (buf_.size() == header_.chunk_size)
      if (BackupStatus s = Seal(false); !s.ok()) return s;
    const size_t k = std::min<size_t>(plain.size(), header_.chunk_size - buf_.size());
    buf_.insert(buf_.end(), plain.begin(), plain.begin() + static_cast<std::ptrdiff_t>(k));
    plain = plain.subspan(k);
  }
  return BackupStatus::Ok();
}

BackupStatus ChunkWriter::Finish() {
  if (sink_ == nullptr || finished_)
    return BackupFail(BackupError::kIo, "finish of a backup not started or already finished");
  finished_ = true;
  return Seal(true);
}

// ---- reader ----

ChunkReader::ChunkReader() = default;
ChunkReader::~ChunkReader() {
  if (!plain_.empty()) OPENSSL_cleanse(plain_.data(), plain_.size());
}

BackupStatus ChunkReader::Fill(size_t want) {
  while (raw_.size() < want && !eof_) {
    const size_t have = raw_.size();
    raw_.resize(want);
    size_t got = 0;
    BackupStatus s = src_->Read(raw_.data() + have, want - have, &got);
    raw_.resize(have + got);
    if (!s.ok()) return s;
    if (got < want - have) eof_ = true;
  }
  return BackupStatus::Ok();
}

BackupStatus ChunkReader::Open(const BackupKey& key, ByteSource* src) {
  src_ = src;
  if (BackupStatus s = Fill(kHeaderSize); !s.ok()) return failed_ = s;
  if (BackupStatus s = DecodeHeader(raw_, &header_); !s.ok()) return failed_ = s;
  if (header_.key_id != key.id)
    return failed_ = BackupFail(BackupError::kWrongKey,
                                "the backup was made under backup key " + KeyIdHex(header_.key_id) +
                                    ", the key given is " + KeyIdHex(key.id) +
                                    " (a wrong key, or a damaged header)");
  std::copy(raw_.begin(), raw_.begin() + kHeaderSize, aad_.begin());
  raw_.erase(raw_.begin(), raw_.begin() + kHeaderSize);
  file_bytes_ = kHeaderSize;
  gcm_ = std::make_unique<GcmContext>();
  if (!gcm_->Init(key, header_, false))
    return failed_ = BackupFail(BackupError::kCrypto, "AES-256-GCM or HKDF unavailable");
  return NextChunk();
}

BackupStatus ChunkReader::NextChunk() {
  if (!failed_.ok()) return failed_;
  const size_t full = size_t{header_.chunk_size} + kTagSize;
  if (BackupStatus s = Fill(full + 1); !s.ok()) return failed_ = s;
  const uint64_t offset = file_bytes_;
  const std::string where =
      "chunk " + std::to_string(chunk_) + " at offset " + std::to_string(offset);
  if (raw_.empty())
    return failed_ = BackupFail(BackupError::kTruncated,
                                "the file ends at offset " + std::to_string(offset) +
                                    " where chunk " + std::to_string(chunk_) +
                                    " should start: chunks are missing (the file is cut short)");
  const bool last = raw_.size() <= full;
  const size_t len = last ? raw_.size() : full;
  if (len < kTagSize)
    return failed_ = BackupFail(BackupError::kTruncated,
                                where + ": " + std::to_string(len) +
                                    " bytes, shorter than its tag: the file is cut short");
  const ByteSpan sealed(raw_.data(), len);
  if (!gcm_->Open(ChunkNonce(header_, chunk_, last), aad_, sealed, &plain_)) {
    // Find out what the chunk is instead, for the message; it is refused all the same.
    std::vector<uint8_t> probe;
    const bool as_other = gcm_->Open(ChunkNonce(header_, chunk_, !last), aad_, sealed, &probe);
    OPENSSL_cleanse(probe.data(), probe.size());
    if (last && as_other)
      return failed_ = BackupFail(BackupError::kTruncated,
                                  "the file ends after " + where +
                                      ", which is not the last chunk: chunks are missing "
                                      "(the file is cut short)");
    if (!last && as_other)
      return failed_ =
                 BackupFail(BackupError::kCorrupt,
                            where + " is the last chunk, but " + std::to_string(raw_.size() - len) +
                                " or more bytes follow it: bytes appended or chunks "
                                "out of order");
    return failed_ =
               BackupFail(BackupError::kCorrupt,
                          where + " (" + std::to_string(len) +
                              " bytes) does not authenticate: the file is damaged, cut short, or "
                              "its chunks are reordered or duplicated");
  }
  raw_.erase(raw_.begin(), raw_.begin() + static_cast<std::ptrdiff_t>(len));
  file_bytes_ += len;
  pos_ = 0;
  last_ = last;
  ++chunk_;
  return BackupStatus::Ok();
}

BackupStatus ChunkReader::Read(uint8_t* out, size_t n) {
  if (!failed_.ok()) return failed_;
  while (n > 0) {
    if (pos_ == plain_.size()) {
      if (last_)
        return failed_ =
                   BackupFail(BackupError::kCorrupt, "the content ends inside a record in chunk " +
                                                         std::to_string(chunk()) +
                                                         " (it authenticated: the "
                                                         "backup was written wrong)");
      if (BackupStatus s = NextChunk(); !s.ok()) return s;
      continue;
    }
    const size_t k = std::min(n, plain_.size() - pos_);
    std::copy(plain_.begin() + static_cast<std::ptrdiff_t>(pos_),
              plain_.begin() + static_cast<std::ptrdiff_t>(pos_ + k), out);
    pos_ += k;
    out += k;
    n -= k;
  }
  return BackupStatus::Ok();
}

BackupStatus ChunkReader::ExpectEnd() {
  if (!failed_.ok()) return failed_;
  if (pos_ == plain_.size() && !last_)
    if (BackupStatus s = NextChunk(); !s.ok()) return s;
  if (!last_ || pos_ != plain_.size())
    return BackupFail(BackupError::kCorrupt,
                      "content goes on after the end record, in chunk " + std::to_string(chunk()));
  return BackupStatus::Ok();
}

}  // namespace vigil::cloud::backup
