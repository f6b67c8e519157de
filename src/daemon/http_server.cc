#include "daemon/http_server.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "common/private_file.h"
#include "daemon/tls_client.h"

namespace vigil {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

std::string_view HttpRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return {};
}

HttpResponse HttpResponse::Text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse HttpResponse::Json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

namespace {

// Headers every response carries: nothing is cached, nothing is sniffed, nothing frames it.
constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kDefaultHeaders = {{
    {"Cache-Control", "no-store"},
    {"X-Content-Type-Options", "nosniff"},
    {"X-Frame-Options", "DENY"},
    {"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"},
    {"Referrer-Policy", "no-referrer"},
}};

void AddDefaultHeaders(http::response<http::string_body>& res) {
  for (const auto& [k, v] : kDefaultHeaders)
    res.set(beast::string_view(k.data(), k.size()), beast::string_view(v.data(), v.size()));
}

// A header value may not hold CR or LF (response splitting): such bytes become blanks.
std::string HeaderSafe(std::string_view v) {
  std::string out(v);
  for (char& c : out)
    if (c == '\r' || c == '\n') c = ' ';
  return out;
}

// The SSE wire form of one event: "id: N\nevent: E\ndata: ...\n\n"; a newline inside
// data starts another data: line, so no payload can inject fields or events.
std::string FormatEvent(uint64_t id, std::string_view event, std::string_view data) {
  std::string out = "id: " + std::to_string(id) + "\n";
  if (!event.empty()) {
    out += "event: ";
    for (char c : event) out += (c == '\n' || c == '\r') ? ' ' : c;
    out += "\n";
  }
  size_t start = 0;
  while (true) {
    size_t nl = data.find_first_of("\r\n", start);
    out += "data: ";
    out.append(data.substr(start, nl == std::string_view::npos ? data.npos : nl - start));
    out += "\n";
    if (nl == std::string_view::npos) break;
    start = nl + 1;
    if (data[nl] == '\r' && start < data.size() && data[start] == '\n') ++start;
  }
  out += "\n";
  return out;
}

// ALPN: this server speaks HTTP/1.1 only. A client that offers ALPN without it would
// misread the replies, so the handshake fails (no_application_protocol) instead.
int SelectAlpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
               unsigned int inlen, void*) {
  static const unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, kHttp11, sizeof(kHttp11), in, inlen) !=
      OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

Error MissingFile(const char* what, const std::string& path, std::string* why) {
  if (path.empty()) {
    if (why) *why = std::string("TLS ") + what + " file not configured";
    return Error::kInvalidArgument;
  }
  if (FILE* f = std::fopen(path.c_str(), "r")) {
    std::fclose(f);
    return Error::kOk;
  }
  if (why) *why = std::string("TLS ") + what + " " + path + ": cannot be opened";
  return Error::kNotFound;
}

// Builds a server context from the files. Everything is checked here, so that a bad file
// is refused at Start() or ReloadTls(), not at the first handshake.
Error BuildServerContext(const HttpServer::TlsOptions& o, std::shared_ptr<ssl::context>* out,
                         std::string* why) {
  ERR_clear_error();
  if (Error e = MissingFile("certificate", o.cert_chain, why); e != Error::kOk) return e;
  if (Error e = MissingFile("key", o.key, why); e != Error::kOk) return e;
  if (Error e = CheckOwnerOnly(o.key, why); e != Error::kOk) {
    if (why) *why = "TLS key " + *why;
    return e;
  }
  if (!o.client_ca.empty())
    if (Error e = MissingFile("client CA", o.client_ca, why); e != Error::kOk) return e;
  SSL_CTX* raw = SSL_CTX_new(TLS_server_method());
  if (raw == nullptr) {
    if (why) *why = "cannot create a TLS context: " + TakeOpenSslError();
    return Error::kCrypto;
  }
  auto ctx = std::make_shared<ssl::context>(raw);  // owns raw from here
  SSL_CTX* c = ctx->native_handle();
  SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION);
  SSL_CTX_set_options(
      c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_alpn_select_cb(c, SelectAlpn, nullptr);
  // The key first: loaded after the certificate, a foreign key fails inside OpenSSL with
  // a message that does not name the certificate; this way the check below names both.
  if (SSL_CTX_use_PrivateKey_file(c, o.key.c_str(), SSL_FILETYPE_PEM) != 1) {
    if (why) *why = "TLS key " + o.key + ": " + TakeOpenSslError();
    return Error::kInvalidArgument;
  }
  if (SSL_CTX_use_certificate_chain_file(c, o.cert_chain.c_str()) != 1) {
    if (why) *why = "TLS certificate " + o.cert_chain + ": " + TakeOpenSslError();
    return Error::kInvalidArgument;
  }
  if (SSL_CTX_check_private_key(c) != 1) {
    ERR_clear_error();
    if (why) *why = "TLS key " + o.key + " does not belong to certificate " + o.cert_chain;
    return Error::kInvalidArgument;
  }
  if (!o.client_ca.empty()) {
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(o.client_ca.c_str());
    if (names == nullptr || SSL_CTX_load_verify_file(c, o.client_ca.c_str()) != 1) {
      if (names != nullptr) sk_X509_NAME_pop_free(names, X509_NAME_free);
      if (why) *why = "TLS client CA " + o.client_ca + ": " + TakeOpenSslError();
      return Error::kInvalidArgument;
    }
    SSL_CTX_set_client_CA_list(c, names);  // takes ownership
    SSL_CTX_set_purpose(c, X509_PURPOSE_SSL_CLIENT);
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  *out = std::move(ctx);
  return Error::kOk;
}

std::string SubjectCn(X509* cert) {
  if (cert == nullptr) return {};
  X509_NAME* name = X509_get_subject_name(cert);
  const int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (i < 0) return {};
  const ASN1_STRING* v = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
  unsigned char* utf8 = nullptr;
  const int n = ASN1_STRING_to_UTF8(&utf8, v);
  if (n < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
  OPENSSL_free(utf8);
  return out;
}

}  // namespace

class HttpSession;

struct HttpServer::Impl {
  Options options;
  Handler handler;
  bool started = false;
  bool stopped = false;

  struct Stream {
    std::deque<std::pair<uint64_t, std::string>> ring;  // id, formatted event
    uint64_t next_id = 1;
    std::vector<std::weak_ptr<HttpSession>> followers;
    // AddStream()'s: anyone who GETs the path follows it. A stream a handler named is
    // never matched by path, only reached through the handler's decision.
    bool by_path = false;
  };
  std::map<std::string, Stream, std::less<>> streams;  // I/O thread only after Start()
  size_t connections = 0;                              // I/O thread only

  // The stream of that name, created (ids from stream_first_id) unless kMaxStreams exist
  // already: then null. I/O thread only.
  Stream* StreamFor(std::string_view name) {
    if (auto it = streams.find(name); it != streams.end()) return &it->second;
    if (streams.size() >= HttpServer::kMaxStreams) return nullptr;
    Stream& s = streams[std::string(name)];
    s.next_id = options.stream_first_id;
    return &s;
  }

  // The context new TLS connections get; replaced whole by ReloadTls(). Each session
  // holds its own reference, so a reload never changes an open connection.
  mutable std::mutex tls_mu;
  std::shared_ptr<ssl::context> tls_ctx;
  std::shared_ptr<ssl::context> CurrentTls() const {
    std::lock_guard<std::mutex> lock(tls_mu);
    return tls_ctx;
  }

  mutable std::mutex stats_mu;
  Stats stats;
  void Count(uint64_t Stats::*field, int64_t delta = 1) {
    std::lock_guard<std::mutex> lock(stats_mu);
    stats.*field = static_cast<uint64_t>(static_cast<int64_t>(stats.*field) + delta);
  }

  // Declared last, so destroyed first: the io_context's destructor destroys the pending
  // handlers, and with them the sessions, which still count themselves out above.
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  asio::steady_timer ping_timer{ioc};
  std::thread thread;

  void Accept();
  void Ping();
  void Deliver(const std::string& path, const std::string& event, const std::string& data);
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket socket, HttpServer::Impl& srv, std::shared_ptr<ssl::context> tls)
      : tcp_(std::move(socket)), srv_(srv), tls_ctx_(std::move(tls)) {
    ++srv_.connections;
    if (tls_ctx_) tls_.emplace(tcp_, *tls_ctx_);
    beast::error_code ec;
    auto ep = tcp_.socket().remote_endpoint(ec);
    if (!ec) {
      remote_ =
          ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string();
      remote_ += ":" + std::to_string(ep.port());
    }
  }
  ~HttpSession() {
    --srv_.connections;
    if (following_) srv_.Count(&HttpServer::Stats::stream_clients, -1);
  }

  void Start() {
    if (!tls_) {
      Read();
      return;
    }
    // One deadline for the whole handshake: a client that trickles its ClientHello is
    // a slow-loris like one that trickles its request.
    tcp_.expires_after(std::chrono::milliseconds(srv_.options.tls->handshake_timeout_ms));
    beast::async_detect_ssl(tcp_, buffer_,
                            [self = shared_from_this()](beast::error_code ec, bool is_tls) {
                              self->OnDetect(ec, is_tls);
                            });
  }

  // Queues a formatted event for a follower. A reader that falls too far behind is
  // dropped: it reconnects with Last-Event-ID and the ring fills the gap.
  void Push(const std::string& text) {
    if (closed_) return;
    if (queue_.size() >= srv_.options.stream_max_queued) {
      srv_.Count(&HttpServer::Stats::stream_dropped_clients);
      Close();
      return;
    }
    queue_.push_back(text);
    if (!writing_) WriteNext();
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    if (life_) life_->cancel();
    beast::error_code ec;
    tcp_.socket().shutdown(tcp::socket::shutdown_both, ec);
    tcp_.socket().close(ec);
  }

 private:
  // Runs `f` on the stream the session speaks HTTP over: the TLS stream or the socket.
  template <typename F>
  void WithStream(F&& f) {
    if (tls_)
      f(*tls_);
    else
      f(tcp_);
  }

  void OnDetect(beast::error_code ec, bool is_tls) {
    if (ec == beast::error::timeout) {
      srv_.Count(&HttpServer::Stats::timeouts);
      Close();
      return;
    }
    if (ec) {
      Close();
      return;
    }
    if (!is_tls) {
      srv_.Count(&HttpServer::Stats::plain_http_refused);
      Close();
      return;
    }
    tls_->async_handshake(ssl::stream_base::server, buffer_.data(),
                          [self = shared_from_this()](beast::error_code hec, size_t used) {
                            self->OnHandshake(hec, used);
                          });
  }

  void OnHandshake(beast::error_code ec, size_t used) {
    if (ec) {
      srv_.Count(ec == beast::error::timeout ? &HttpServer::Stats::timeouts
                                             : &HttpServer::Stats::tls_handshake_failures);
      Close();
      return;
    }
    srv_.Count(&HttpServer::Stats::tls_handshakes);
    buffer_.consume(used);
    client_cn_ = SubjectCn(SSL_get0_peer_certificate(tls_->native_handle()));
    Read();
  }

  // After the last response: close_notify, so that the client can tell a complete reply
  // from a truncated one, then the socket. Bounded by the write timeout.
  void Finish() {
    if (!tls_ || closed_) {
      Close();
      return;
    }
    tcp_.expires_after(std::chrono::milliseconds(srv_.options.write_timeout_ms));
    tls_->async_shutdown([self = shared_from_this()](beast::error_code) { self->Close(); });
  }

  void Read() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(srv_.options.max_header_bytes));
    parser_->body_limit(srv_.options.max_body_bytes);
    tcp_.expires_after(std::chrono::milliseconds(srv_.options.request_timeout_ms));
    WithStream([this](auto& s) {
      http::async_read(
          s, buffer_, *parser_,
          [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
    });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
        ec == ssl::error::stream_truncated) {
      Close();
      return;
    }
    if (ec == beast::error::timeout) {
      srv_.Count(&HttpServer::Stats::timeouts);
      Close();
      return;
    }
    if (ec && ec.category() == asio::error::get_ssl_category()) {
      // A broken TLS record after the handshake: nothing can be answered on it.
      srv_.Count(&HttpServer::Stats::bad_requests);
      Close();
      return;
    }
    if (ec) {
      srv_.Count(&HttpServer::Stats::bad_requests);
      int status = 400;
      if (ec == http::error::header_limit) status = 431;
      if (ec == http::error::body_limit) status = 413;
      SendError(status);
      return;
    }
    srv_.Count(&HttpServer::Stats::requests);
    const auto& msg = parser_->get();
    HttpRequest req;
    req.method = std::string(msg.method_string());
    const std::string_view target(msg.target().data(), msg.target().size());
    const size_t q = target.find('?');
    req.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) req.query = std::string(target.substr(q + 1));
    req.body = msg.body();
    req.remote = remote_;
    req.tls = tls_.has_value();
    req.client_cn = client_cn_;
    for (const auto& f : msg) {
      std::string name(f.name_string());
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      req.headers.emplace_back(std::move(name), std::string(f.value()));
    }
    const bool keep_alive = msg.keep_alive();
    const bool head = msg.method() == http::verb::head;
    const unsigned version = msg.version();

    if (auto it = srv_.streams.find(req.path); it != srv_.streams.end() && it->second.by_path) {
      if (msg.method() != http::verb::get) {
        Respond(HttpResponse::Text(405, "method not allowed\n"), false, false, version);
        return;
      }
      Follow(it->second, req.Header("last-event-id"), {});
      return;
    }

    HttpResponse resp;
    try {
      resp = srv_.handler(req);
    } catch (...) {
      srv_.Count(&HttpServer::Stats::handler_failures);
      resp = HttpResponse::Text(500, "internal error\n");
    }
    if (!resp.stream.empty() && resp.status == 200 && msg.method() == http::verb::get) {
      if (HttpServer::Impl::Stream* s = srv_.StreamFor(resp.stream)) {
        Follow(*s, req.Header("last-event-id"), resp.headers);
        return;
      }
      Respond(HttpResponse::Text(503, "busy\n"), false, false, version);
      return;
    }
    Respond(resp, keep_alive, head, version);
  }

  void Respond(const HttpResponse& r, bool keep_alive, bool head, unsigned version) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), version);
    AddDefaultHeaders(*res);
    if (tls_) res->set(http::field::strict_transport_security, Hsts());
    res->set(http::field::content_type, r.content_type);
    for (const auto& [k, v] : r.headers) res->set(k, v);
    res->keep_alive(keep_alive);
    res->body() = r.body;
    res->prepare_payload();
    if (head) {
      const size_t n = res->body().size();
      res->body().clear();
      res->content_length(n);
    }
    tcp_.expires_after(std::chrono::milliseconds(srv_.options.write_timeout_ms));
    WithStream([this, &res, keep_alive](auto& s) {
      http::async_write(s, *res,
                        [self = shared_from_this(), res, keep_alive](beast::error_code ec, size_t) {
                          if (ec) {
                            self->Close();
                            return;
                          }
                          if (!keep_alive) {
                            self->Finish();
                            return;
                          }
                          self->Read();
                        });
    });
  }

  std::string Hsts() const { return "max-age=" + std::to_string(srv_.options.tls->hsts_max_age_s); }

  void SendError(int status) {
    HttpResponse r = HttpResponse::Text(
        status, std::string(http::obsolete_reason(static_cast<http::status>(status))) + "\n");
    Respond(r, false, false, 11);
  }

  // `extra` (the handler's headers) replace defaults of the same name, as in Respond().
  void Follow(HttpServer::Impl::Stream& s, std::string_view last_event_id,
              const std::vector<std::pair<std::string, std::string>>& extra) {
    following_ = true;
    srv_.Count(&HttpServer::Stats::stream_clients);
    s.followers.push_back(weak_from_this());
    std::vector<std::pair<std::string, std::string>> fields;
    for (const auto& [k, v] : kDefaultHeaders) fields.emplace_back(k, v);
    if (tls_) fields.emplace_back("Strict-Transport-Security", Hsts());
    for (const auto& field : extra) {
      // Not a structured binding: clang 14 cannot capture one in a lambda.
      const std::string& k = field.first;
      auto same = [&k](const auto& f) { return beast::iequals(f.first, k); };
      std::erase_if(fields, same);
      fields.emplace_back(k, field.second);
    }
    std::string head =
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n";
    for (const auto& [k, v] : fields) {
      if (beast::iequals(k, "content-type") || beast::iequals(k, "connection") ||
          beast::iequals(k, "content-length"))
        continue;
      head += HeaderSafe(k) + ": " + HeaderSafe(v) + "\r\n";
    }
    head += "\r\nretry: 2000\n\n";
    queue_.push_back(std::move(head));
    // Replay what a reconnecting client missed, if the ring still has it.
    if (!last_event_id.empty()) {
      uint64_t last = 0;
      bool ok = true;
      for (char c : last_event_id) {
        if (c < '0' || c > '9' || last > UINT64_MAX / 10 - 1) {
          ok = false;
          break;
        }
        last = last * 10 + static_cast<uint64_t>(c - '0');
      }
      if (ok) {
        for (const auto& [id, text] : s.ring)
          if (id > last) queue_.push_back(text);
      }
    }
    tcp_.expires_never();
    if (srv_.options.stream_max_lifetime_ms > 0) {
      life_.emplace(tcp_.get_executor());
      life_->expires_after(std::chrono::milliseconds(srv_.options.stream_max_lifetime_ms));
      life_->async_wait([weak = weak_from_this()](beast::error_code ec) {
        auto self = weak.lock();
        if (ec || !self || self->closed_) return;
        self->srv_.Count(&HttpServer::Stats::stream_expired_clients);
        self->Close();
      });
    }
    WatchForClose();
    WriteNext();
  }

  // A follower sends nothing more; the pending read keeps the session alive and ends it
  // when the client goes away (or sends anything, which a stream does not expect).
  void WatchForClose() {
    WithStream([this](auto& s) {
      s.async_read_some(asio::buffer(sink_),
                        [self = shared_from_this()](beast::error_code, size_t) { self->Close(); });
    });
  }

  void WriteNext() {
    if (closed_ || queue_.empty()) {
      writing_ = false;
      return;
    }
    writing_ = true;
    tcp_.expires_after(std::chrono::milliseconds(srv_.options.write_timeout_ms));
    WithStream([this](auto& s) {
      asio::async_write(s, asio::buffer(queue_.front()),
                        [self = shared_from_this()](beast::error_code ec, size_t) {
                          if (ec) {
                            self->Close();
                            return;
                          }
                          self->queue_.pop_front();
                          self->tcp_.expires_never();
                          self->WriteNext();
                        });
    });
  }

  beast::tcp_stream tcp_;  // before tls_, which refers to it
  HttpServer::Impl& srv_;
  std::shared_ptr<ssl::context> tls_ctx_;  // outlives tls_
  std::optional<ssl::stream<beast::tcp_stream&>> tls_;
  std::string client_cn_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string remote_;
  std::deque<std::string> queue_;
  std::array<char, 64> sink_{};
  std::optional<asio::steady_timer> life_;  // a follower's lifetime, when bounded
  bool writing_ = false;
  bool following_ = false;
  bool closed_ = false;
};

void HttpServer::Impl::Accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      Accept();
      return;
    }
    if (connections >= options.max_connections) {
      Count(&Stats::refused_connections);
      // Best effort, never blocking: the client learns why, then the socket closes.
      static constexpr std::string_view kBusy =
          "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 5\r\nConnection: close\r\n\r\n"
          "busy\n";
      // A TLS client cannot read a plain-text reply: it only sees the close.
      beast::error_code ignored;
      socket.non_blocking(true, ignored);
      if (!options.tls) socket.write_some(asio::buffer(kBusy.data(), kBusy.size()), ignored);
      socket.shutdown(tcp::socket::shutdown_both, ignored);
      socket.close(ignored);
    } else {
      std::make_shared<HttpSession>(std::move(socket), *this, CurrentTls())->Start();
    }
    Accept();
  });
}

void HttpServer::Impl::Ping() {
  ping_timer.expires_after(std::chrono::milliseconds(options.stream_ping_ms));
  ping_timer.async_wait([this](beast::error_code ec) {
    if (ec) return;
    static const std::string kPing = ": ping\n\n";
    for (auto& [path, s] : streams) {
      std::erase_if(s.followers, [](const std::weak_ptr<HttpSession>& w) { return w.expired(); });
      for (auto& w : s.followers)
        if (auto f = w.lock()) f->Push(kPing);
    }
    Ping();
  });
}

void HttpServer::Impl::Deliver(const std::string& path, const std::string& event,
                               const std::string& data) {
  Stream* found = StreamFor(path);
  if (found == nullptr) return;
  Stream& s = *found;
  Count(&Stats::stream_events);
  const uint64_t id = s.next_id++;
  std::string text = FormatEvent(id, event, data);
  s.ring.emplace_back(id, text);
  while (s.ring.size() > options.stream_replay) s.ring.pop_front();
  std::erase_if(s.followers, [](const std::weak_ptr<HttpSession>& w) { return w.expired(); });
  for (auto& w : s.followers)
    if (auto f = w.lock()) f->Push(text);
}

HttpServer::HttpServer() : impl_(std::make_unique<Impl>()) {}
HttpServer::~HttpServer() { Stop(); }

void HttpServer::AddStream(std::string path) { impl_->streams[std::move(path)].by_path = true; }

void HttpServer::Publish(std::string_view path, std::string_view event, std::string_view data) {
  if (!impl_->started || impl_->stopped) return;
  asio::post(impl_->ioc, [impl = impl_.get(), p = std::string(path), e = std::string(event),
                          d = std::string(data)] { impl->Deliver(p, e, d); });
}

Error HttpServer::Start(const Options& options, Handler handler, std::string* why) {
  Impl& m = *impl_;
  if (m.started) {
    if (why) *why = "HTTP server already started";
    return Error::kInvalidState;
  }
  m.options = options;
  m.handler = std::move(handler);
  if (options.tls) {
    if (Error e = BuildServerContext(*options.tls, &m.tls_ctx, why); e != Error::kOk) return e;
  }
  const size_t colon = options.listen.rfind(':');
  if (colon == std::string::npos) {
    if (why) *why = "listen address must be host:port, got \"" + options.listen + "\"";
    return Error::kInvalidArgument;
  }
  std::string host = options.listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  const std::string port_text = options.listen.substr(colon + 1);
  unsigned long port = 0;
  try {
    size_t used = 0;
    port = std::stoul(port_text, &used);
    if (used != port_text.size() || port > 65535) throw std::out_of_range("port");
  } catch (...) {
    if (why) *why = "listen address has no valid port: \"" + options.listen + "\"";
    return Error::kInvalidArgument;
  }
  beast::error_code ec;
  const auto addr = asio::ip::make_address(host, ec);
  if (ec) {
    if (why) *why = "listen address must be numeric: \"" + options.listen + "\"";
    return Error::kInvalidArgument;
  }
  const tcp::endpoint ep(addr, static_cast<uint16_t>(port));
  m.acceptor.open(ep.protocol(), ec);
  if (!ec) m.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) m.acceptor.bind(ep, ec);
  if (!ec) m.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    if (why) *why = "cannot listen on " + options.listen + ": " + ec.message();
    return Error::kIo;
  }
  for (auto& [path, st] : m.streams) st.next_id = options.stream_first_id;
  m.started = true;
  m.Accept();
  m.Ping();
  m.thread = std::thread([&m] { m.ioc.run(); });
  return Error::kOk;
}

void HttpServer::Stop() {
  Impl& m = *impl_;
  if (!m.started || m.stopped) return;
  m.stopped = true;
  m.ioc.stop();
  if (m.thread.joinable()) m.thread.join();
  beast::error_code ec;
  m.acceptor.close(ec);
}

Error HttpServer::ReloadTls(std::string* why) {
  Impl& m = *impl_;
  if (!m.started || !m.options.tls) {
    if (why) *why = "the HTTP server was not started with TLS";
    return Error::kInvalidState;
  }
  std::shared_ptr<ssl::context> fresh;
  if (Error e = BuildServerContext(*m.options.tls, &fresh, why); e != Error::kOk) return e;
  std::lock_guard<std::mutex> lock(m.tls_mu);
  m.tls_ctx = std::move(fresh);
  return Error::kOk;
}

uint16_t HttpServer::port() const {
  beast::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

HttpServer::Stats HttpServer::stats() const {
  std::lock_guard<std::mutex> lock(impl_->stats_mu);
  return impl_->stats;
}

}  // namespace vigil
