// vigil firmware: signed firmware images in MCUboot's format (docs/firmware.md).
//   keygen  an Ed25519 key pair, PEM, as imgtool's keygen -t ed25519 writes it
//   sign    a raw binary into a signed image (imgtool sign's layout and defaults)
//   verify  an image against the manufacturer's public key: a JSON verdict, exit 0 / 1
//   inspect the header and TLVs of an image as JSON (no key needed; nothing is trusted)
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/command.h"
#include "common/hex.h"
#include "device/firmware/firmware_key.h"
#include "device/firmware/image_file.h"
#include "device/firmware/image_format.h"
#include "device/firmware/image_signer.h"
#include "device/firmware/image_verifier.h"

namespace vigil::cli {
namespace {

using namespace vigil::firmware;

[[noreturn]] void Die(const std::string& msg, int code = 1) {
  fprintf(stderr, "vigil firmware: %s\n", msg.c_str());
  throw CLI::RuntimeError(code);
}

std::vector<uint8_t> ReadImage(const std::string& path) {
  std::vector<uint8_t> data;
  std::string why;
  if (ReadImageFile(path, kMaxImageSize, &data, &why) != Error::kOk) Die(why, 2);
  return data;
}

nlohmann::json HeaderJson(const ImageHeader& h) {
  return {{"load_addr", h.load_addr},
          {"header_size", h.hdr_size},
          {"protected_tlv_size", h.protect_tlv_size},
          {"image_size", h.img_size},
          {"flags", h.flags},
          {"version", VersionToString(h.version)}};
}

struct KeygenOptions {
  std::string key, pub;
  bool force = false;
};

void Keygen(const KeygenOptions& o) {
  SigningKey key;
  if (SigningKey::Generate(&key) != Error::kOk) Die("cannot generate an Ed25519 key");
  const std::string pub = o.pub.empty() ? "" : o.pub;
  std::string why;
  if (WriteKeyPair(key, o.key, pub, o.force, &why) != Error::kOk) Die(why);
  fprintf(stderr, "vigil firmware: wrote %s (mode 0600)%s%s\n", o.key.c_str(),
          pub.empty() ? "" : " and ", pub.c_str());
}

struct SignCliOptions {
  std::string key, in, out, version = "0.0.0", header_size = "0x200";
  int64_t security_counter = -1;
  uint32_t load_addr = 0;
  bool pad_header = false;
};

void Sign(const SignCliOptions& o) {
  SignOptions s;
  if (!VersionFromString(o.version, &s.version))
    Die("--version: expected major[.minor[.revision]][+build], as imgtool", 2);
  if (o.security_counter >= 0) {
    if (o.security_counter > UINT32_MAX) Die("--security-counter: at most 4294967295", 2);
    s.security_counter = static_cast<uint32_t>(o.security_counter);
  }
  try {
    const unsigned long hs = std::stoul(o.header_size, nullptr, 0);
    if (hs > UINT16_MAX) throw std::out_of_range("header size");
    s.header_size = static_cast<uint16_t>(hs);
  } catch (const std::exception&) {
    Die("--header-size: expected a number up to 0xffff (e.g. 0x200)", 2);
  }
  s.pad_header = o.pad_header;
  s.load_addr = o.load_addr;
  SigningKey key;
  std::string why;
  if (LoadSigningKey(o.key, &key, &why) != Error::kOk) Die(why, 2);
  std::vector<uint8_t> image;
  if (SignImage(ReadImage(o.in), s, &key, &image, &why) != Error::kOk) Die(why, 2);
  if (WriteImageFile(o.out, image, &why) != Error::kOk) Die(why);
  const PublicKey pub = key.public_key();
  const ImageVerdict v = VerifyImage(image, &pub, VerifyPolicy{});
  if (!v.ok()) Die("internal error: the signed image does not verify");
  nlohmann::json j = {{"image", o.out},
                      {"size", image.size()},
                      {"header", HeaderJson(v.header)},
                      {"sha256", ToHex(v.hash)}};
  if (v.security_counter) j["security_counter"] = *v.security_counter;
  printf("%s\n", j.dump().c_str());
  if (!s.security_counter)
    fprintf(stderr,
            "vigil firmware: note: signed without --security-counter, as imgtool's default; "
            "a device with anti-rollback (vigil device --firmware) refuses such an image\n");
}

struct VerifyCliOptions {
  std::string key, image;
  uint32_t min_security_counter = 0;
};

void Verify(const VerifyCliOptions& o) {
  PublicKey key;
  std::string why;
  if (LoadPublicKey(o.key, &key, &why) != Error::kOk) Die(why, 2);
  VerifyPolicy p;
  p.min_security_counter = o.min_security_counter;
  const ImageVerdict v = VerifyImage(ReadImage(o.image), &key, p);
  nlohmann::json j = {{"image", o.image},
                      {"ok", v.ok()},
                      {"verdict", ImageErrorName(v.error)},
                      {"message", ImageErrorMessage(v.error)},
                      {"size", v.size}};
  if (!v.ok() && v.offset != 0) j["offset"] = v.offset;
  if (v.has_header) j["header"] = HeaderJson(v.header);
  if (v.security_counter) j["security_counter"] = *v.security_counter;
  j["min_security_counter"] = o.min_security_counter;
  printf("%s\n", j.dump().c_str());
  if (!v.ok()) throw CLI::RuntimeError(1);
}

std::string TlvName(bool prot, uint16_t type) {
  if (prot && type == kTlvSecurityCounter) return "security_counter";
  if (!prot && type == kTlvSha256) return "sha256";
  if (!prot && type == kTlvKeyHash) return "key_hash";
  if (!prot && type == kTlvEd25519) return "ed25519";
  return "unsupported";
}

void Inspect(const std::string& path) {
  const std::vector<uint8_t> data = ReadImage(path);
  ImageStreamVerifier verifier;
  verifier.Update(data);
  const ImageVerdict v = verifier.Finish(nullptr);
  nlohmann::json j = {{"image", path},
                      {"size", data.size()},
                      {"structure", ImageErrorName(v.error)},
                      {"message", ImageErrorMessage(v.error)}};
  if (!v.ok() && v.offset != 0) j["offset"] = v.offset;
  if (v.has_header) j["header"] = HeaderJson(v.header);
  // The TLVs are listed only from areas that parsed whole; nothing here is trusted (no
  // key was checked), it says what the image claims.
  nlohmann::json tlvs = nlohmann::json::array();
  struct Ctx {
    nlohmann::json* out;
  } ctx{&tlvs};
  auto visit = [](const TlvEntry& e, void* c) {
    nlohmann::json t = {{"area", e.is_protected ? "protected" : "unprotected"},
                        {"type", e.type},
                        {"name", TlvName(e.is_protected, e.type)},
                        {"offset", e.offset},
                        {"length", e.value.size()}};
    if (e.value.size() <= 64) t["value"] = ToHex(e.value);
    static_cast<Ctx*>(c)->out->push_back(t);
  };
  ImageTlvs scratch;
  size_t bad = 0;
  if (!verifier.protected_area().empty())
    ParseTlvArea(verifier.protected_area(), true, verifier.protected_offset(), &scratch, &bad,
                 visit, &ctx);
  if (v.ok() || v.error == ImageError::kHashMismatch || v.error == ImageError::kMissingHash)
    ParseTlvArea(verifier.tlv_area(), false, verifier.tlv_offset(), &scratch, &bad, visit, &ctx);
  j["tlvs"] = tlvs;
  if (v.ok() || v.error == ImageError::kHashMismatch) {
    j["computed_sha256"] = ToHex(v.hash);
    j["hash_matches"] = v.ok();
  }
  printf("%s\n", j.dump(2).c_str());
  if (!v.ok()) throw CLI::RuntimeError(1);
}

void Setup(CLI::App& app) {
  auto* cmd = app.add_subcommand("firmware", "Signed firmware images (MCUboot format)");
  cmd->require_subcommand(1);

  auto k = std::make_shared<KeygenOptions>();
  auto* keygen = cmd->add_subcommand("keygen", "Write an Ed25519 signing key pair (PEM)");
  keygen->add_option("-k,--key", k->key, "Private key file to write (mode 0600)")->required();
  keygen->add_option("--public", k->pub, "Public key file to write (SubjectPublicKeyInfo PEM)");
  keygen->add_flag("--force", k->force, "Replace existing files");
  keygen->callback([k] { Keygen(*k); });

  auto s = std::make_shared<SignCliOptions>();
  auto* sign = cmd->add_subcommand("sign", "Sign a raw binary into an MCUboot image");
  sign->add_option("-k,--key", s->key, "Ed25519 private key (PEM)")->required();
  sign->add_option("-v,--version", s->version, "Image version major.minor.revision+build");
  sign->add_option("-s,--security-counter", s->security_counter,
                   "Security counter (anti-rollback); none: no protected area");
  sign->add_option("-H,--header-size", s->header_size, "Header size (default 0x200)");
  sign->add_flag("--pad-header", s->pad_header,
                 "Put the header before the binary (else its first bytes must be zero)");
  sign->add_option("--load-addr", s->load_addr, "Load address recorded in the header");
  sign->add_option("binary", s->in, "Raw binary")->required();
  sign->add_option("output", s->out, "Signed image to write")->required();
  sign->callback([s] { Sign(*s); });

  auto v = std::make_shared<VerifyCliOptions>();
  auto* verify = cmd->add_subcommand("verify", "Verify an image (JSON verdict; exit 0 or 1)");
  verify->add_option("-k,--key", v->key, "Manufacturer's public key (PEM)")->required();
  verify->add_option("--min-security-counter", v->min_security_counter,
                     "Refuse images with a lower security counter");
  verify->add_option("image", v->image, "Signed image")->required();
  verify->callback([v] { Verify(*v); });

  auto path = std::make_shared<std::string>();
  auto* inspect = cmd->add_subcommand("inspect", "Print an image's header and TLVs as JSON");
  inspect->add_option("image", *path, "Image")->required();
  inspect->callback([path] { Inspect(*path); });
}

Registrar reg("firmware", &Setup);

}  // namespace
}  // namespace vigil::cli
