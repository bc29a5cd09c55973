// Writes the MessagePack seed corpora of the wire targets and the token
// seeds: `fuzz_seeds tests/fuzz/corpus` (scripts/fuzz.sh --seeds). Valid
// payloads from the project's encoders, hand-built ones with other
// encodings and unknown keys (the wire tests' builder), and near-valid ones
// (a key missing, a wrong type, a wrong version, a duplicate key, truncated).

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "runtime/wire/token.hpp"
#include "tests/unit/wire/wire_test_support.hpp"

namespace {

using namespace wire_test;
namespace fs = std::filesystem;

struct corpus {
  fs::path dir;
  int n = 0;
  /// Written before each seed: the decoder selector byte of the targets that
  /// fuzz several decoders (job_result, job_notices).
  std::string selector;
  void add(const std::string& name, std::string_view bytes) {
    std::ofstream f(dir / (std::to_string(n++) + "-" + name), std::ios::binary);
    f << selector;
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  /// Valid `f`, and near-valid variants of it.
  void add_variants(const std::string& name, const fields& f, std::string_view required) {
    add(name, f.encode());
    add(name + "-unknown-keys", f.with("x-ext", mp().ext(-1, std::string(4, '\x01')))
                                    .with("x-nested", mp().map(1).str("a").array(2).f64(1.5).nil())
                                    .encode());
    add(name + "-no-" + std::string(required), f.without(required).encode());
    add(name + "-v2", f.with("v", mp().uint(2)).encode());
    add(name + "-dup-v", fields{f}.add("v", mp().uint(1)).encode());
    auto all = f.encode();
    add(name + "-truncated", all.substr(0, all.size() / 2));
  }
};

corpus target_dir(const fs::path& root, const char* target, std::string selector = "") {
  corpus c;
  c.dir = root / target;
  c.selector = std::move(selector);
  fs::create_directories(c.dir);
  return c;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_seeds <corpus root>\n");
    return 2;
  }
  const fs::path root = argv[1];
  std::string out;

  auto c = target_dir(root, "action");
  c.add_variants("fields", action_fields(), "esl");
  encode(action{sample_token(), esl_a, op_kind::image, {{"url", "https://e.com/x.png"}}, 180000},
         out);
  c.add("encoded", out);
  encode(action{"", esl_b, op_kind::ping, {}, 0}, out);
  c.add("encoded-empty", out);

  c = target_dir(root, "response");
  c.add_variants("fields", response_fields(), "ack");
  c.add("legacy-nil-id", response_fields().with("id", mp().nil()).without("code").encode());
  c.add("string-id-i64-rssi",
        response_fields().with("id", mp().str("abc")).with("rssi", mp().i64(-70)).encode());
  encode(response{sample_token(), esl_b, false, 2u, -70}, out);
  c.add("encoded-nack", out);

  c = target_dir(root, "status");
  c.add_variants("fields", status_fields(), "adv");
  c.add("bad-adverts", status_fields()
                           .with("adv", mp().array(4)
                                            .array(2)
                                            .str("AABBCCDDEEFF")
                                            .sint(-300)
                                            .array(1)
                                            .str("00000000000A")
                                            .uint(5)
                                            .array(2)
                                            .str("aabbccddeeff")
                                            .i8(-40))
                           .encode());
  status st{gw_a, 1700000000000ull, {}, 0};
  for (uint64_t i = 0; i < 6; ++i)
    st.adv.push_back({esl_mac::from_u64(0xA0000 + i), -40 - static_cast<int32_t>(i * 7)});
  encode(st, out);
  c.add("encoded", out);

  c = target_dir(root, "job");
  c.add_variants("fields", job_fields(), "commands");
  c.add("bad-esl",
        job_fields()
            .with("commands",
                  mp().array(1).map(2).str("esl").str("AABBCCDDEEF").str("op").str("blink"))
            .encode());
  c.add("bad-job-id", job_fields().with("job", mp().str("a/b#")).encode());
  c.add("job-first-then-broken", mp().map(3).str("job").str("j-1").str("v").uint(1).raw("\xdc"));
  job_submission j{
      "fuzz-job:1",
      {{esl_a, op_kind::price, {{"price", "3.49"}, {"unit", "kg"}}}, {esl_b, op_kind::ping, {}}}};
  encode(j, out);
  c.add("encoded", out);
  encode(job_submission{"empty", {}}, out);
  c.add("encoded-empty", out);
  j.prio = priority::high;
  j.rate_per_s = 2.5;
  j.abort_threshold = 0.2;
  j.abort_min_outcomes = 4;
  encode(j, out);
  c.add("encoded-rollout", out);

  c = target_dir(root, "job_result", std::string(1, '\0'));
  c.add_variants("fields", result_fields(), "counts");
  c.selector = std::string(1, '\1');
  c.add_variants("rejection", rejection_fields(), "error");
  c.selector = std::string(1, '\0');
  job_result res;
  res.job = "fuzz-job:1";
  res.node = "node-1";
  res.outcomes.push_back(
      {esl_a, op_kind::price, outcome_status::acked, 0, gw_a, 1, 1234, "", uint64_t{800}});
  res.outcomes.push_back({esl_b, op_kind::ping, outcome_status::unroutable, 0, std::nullopt, 0, 5,
                          "no_fresh_route", std::nullopt});
  encode(res, out);
  c.add("encoded", out);
  job_result rej;
  rej.job = "fuzz-job:2";
  rej.node = "node-1";
  rej.rejected = true;
  rej.error = "overloaded";
  encode(rej, out);
  c.add("encoded-rejected", out);
  c.selector = std::string(1, '\1');
  encode(job_rejection{"node-1", "malformed", "truncated: empty payload"}, out);
  c.add("encoded-rejection", out);

  c = target_dir(root, "job_notices", std::string(1, '\0'));
  encode(job_receipt{"fuzz-job:1", "node-1", "node-2", 3}, out);
  c.add("receipt", out);
  encode(job_receipt{"j", "n", "", 0}, out);
  c.add("receipt-no-standby", out);
  c.selector = std::string(1, '\1');
  encode(job_progress{"fuzz-job:1", "node-1", 2, 3}, out);
  c.add("progress", out);
  encode(job_progress{"fuzz-job:1", "node-1", 4, 3}, out);
  c.add("progress-done-over-total", out);
  c.selector = std::string(1, '\2');
  encode(dead_letter{"fuzz-job:1", 1, esl_b, op_kind::ping, outcome_status::nacked, 4, gw_a, 2,
                     "gateway_nack"},
         out);
  c.add("dead-letter", out);
  encode(dead_letter{"j", 0, esl_a, op_kind::price, outcome_status::timed_out, 0, std::nullopt, 3,
                     "no_reply"},
         out);
  c.add("dead-letter-nil-gw", out);

  c = target_dir(root, "token");
  std::string tok;
  for (size_t i = 0; i < token_size; ++i)
    tok += static_cast<char>(i * 11 + 1);
  tok[0] = static_cast<char>(token_version);
  c.add("current", tok);
  c.add("short", tok.substr(0, token_size - 1));
  c.add("long", tok + "x");
  tok[0] = static_cast<char>(token_version + 1);
  c.add("next-version", tok);
  c.add("old-22-bytes", sample_token());
  return 0;
}
