// The HTTP client transport over TLS, against a local server with a certificate made here.
#include <doctest/doctest.h>
#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "http_test_support.hpp"
#include "support.hpp"
#include "transport/http_client.hpp"

using namespace lh::transport;
using namespace lh::transport::test;

namespace {

// A throwaway self-signed certificate for CN=127.0.0.1, written as PEM files.
struct TestCertificate {
  TestCertificate() {
    auto dir = std::filesystem::temp_directory_path() / ("lh-tls-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    cert_path = (dir / "cert.pem").string();
    key_path = (dir / "key.pem").string();
    EVP_PKEY* key = EVP_RSA_gen(2048);
    REQUIRE(key != nullptr);
    X509* cert = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1,
                               0);
    X509_set_issuer_name(cert, name);
    REQUIRE(X509_sign(cert, key, EVP_sha256()) > 0);
    FILE* out = std::fopen(cert_path.c_str(), "w");
    REQUIRE(out != nullptr);
    PEM_write_X509(out, cert);
    std::fclose(out);
    out = std::fopen(key_path.c_str(), "w");
    REQUIRE(out != nullptr);
    PEM_write_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(out);
    X509_free(cert);
    EVP_PKEY_free(key);
    directory = dir;
  }
  ~TestCertificate() {
    std::error_code ignored;
    std::filesystem::remove_all(directory, ignored);
  }
  std::filesystem::path directory;
  std::string cert_path;
  std::string key_path;
};

}  // namespace

TEST_CASE("http client over https: certificate verification, and a working exchange with the right CA") {
  TestCertificate certificate;
  httplib::SSLServer upstream(certificate.cert_path.c_str(), certificate.key_path.c_str());
  REQUIRE(upstream.is_valid());
  upstream.Post("/mcp", [](const httplib::Request& req, httplib::Response& res) {
    auto message = Json::parse(req.body);
    Json answer{{"jsonrpc", "2.0"}, {"id", message["id"]}, {"result", {{"tls", true}}}};
    res.set_content(answer.dump(), "application/json");
  });
  int port = upstream.bind_to_any_port("127.0.0.1");
  ServingThread serving(upstream);
  std::string url = "https://127.0.0.1:" + std::to_string(port) + "/mcp";
  Json request{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}};

  SUBCASE("an unknown self-signed certificate is refused") {
    StreamableHttpClientOptions options;
    options.url = url;
    Recorder recorder;
    StreamableHttpClientTransport client(options);
    client.start(recorder.handlers());
    client.send(request);
    auto answer = recorder.wait_response(1);
    REQUIRE(answer.is_object());
    CHECK(answer["error"]["code"] == -32000);
  }
  SUBCASE("trusted through ca_cert_path") {
    StreamableHttpClientOptions options;
    options.url = url;
    options.ca_cert_path = certificate.cert_path;
    Recorder recorder;
    StreamableHttpClientTransport client(options);
    client.start(recorder.handlers());
    client.send(request);
    auto answer = recorder.wait_response(1);
    REQUIRE(answer.is_object());
    CHECK(answer["result"]["tls"] == true);
  }
  SUBCASE("verification switched off") {
    StreamableHttpClientOptions options;
    options.url = url;
    options.verify_tls = false;
    Recorder recorder;
    StreamableHttpClientTransport client(options);
    client.start(recorder.handlers());
    client.send(request);
    auto answer = recorder.wait_response(1);
    REQUIRE(answer.is_object());
    CHECK(answer["result"]["tls"] == true);
  }
  serving.stop();
}
