#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <tuple>
#include <vector>

#include "sim/runner/runner.hpp"

namespace shelfwire::sim {

namespace {

/// One histogram in the thesis' style: bars of equal width, with mean,
/// median, p90 and p99 marked by vertical lines.
bool plot_one(const std::vector<uint32_t>& samples_us, const metrics::histogram_snapshot& h,
              const std::string& title, const std::string& png, std::ostream& out) {
  if (samples_us.empty()) {
    out << "histogram " << png << ": no samples\n";
    return false;
  }
  // Range: up to the 99.9th percentile (the tail beyond goes to the last bar).
  auto sorted = samples_us;
  std::sort(sorted.begin(), sorted.end());
  auto hi_us = static_cast<double>(sorted[std::min(sorted.size() - 1, sorted.size() * 999 / 1000)]);
  hi_us = std::max(hi_us * 1.05, 1.0);
  const int bins = 60;
  std::vector<uint64_t> count(bins, 0);
  for (auto v : sorted) {
    auto b = static_cast<int>(static_cast<double>(v) / hi_us * bins);
    ++count[static_cast<size_t>(std::min(b, bins - 1))];
  }
  auto dat = png + ".dat";
  {
    std::ofstream f{dat};
    auto width_ms = hi_us / 1000.0 / bins;
    for (int b = 0; b < bins; ++b)
      f << (b + 0.5) * width_ms << " " << count[static_cast<size_t>(b)] << "\n";
  }
  auto ms = [](double us) { return us / 1000.0; };
  double marks[4] = {h.mean(), static_cast<double>(h.percentile(0.5)),
                     static_cast<double>(h.percentile(0.9)),
                     static_cast<double>(h.percentile(0.99))};
  const char* names[4] = {"mean", "median", "p90", "p99"};
  const char* colors[4] = {"#d62728", "#2ca02c", "#ff7f0e", "#9467bd"};
  auto gp = png + ".gp";
  {
    std::ofstream f{gp};
    f << "set terminal pngcairo size 900,500 font 'sans,10'\n"
      << "set output '" << png << "'\n"
      << "set title \"" << title << " (" << samples_us.size() << " samples)\"\n"
      << "set xlabel 'latency (ms)'\nset ylabel 'commands'\n"
      << "set style fill solid 0.8 border -1\nset boxwidth " << hi_us / 1000.0 / bins * 0.9
      << "\nset grid ytics\nset xrange [0:" << hi_us / 1000.0 << "]\nset yrange [0:*]\n"
      << "set key top right\n";
    char buf[200];
    for (int i = 0; i < 4; ++i) {
      std::snprintf(buf, sizeof(buf),
                    "set arrow %d from %.4f, graph 0 to %.4f, graph 1 nohead lw 2 lc rgb '%s'\n",
                    i + 1, ms(marks[i]), ms(marks[i]), colors[i]);
      f << buf;
    }
    f << "plot '" << dat << "' using 1:2 with boxes lc rgb '#4c72b0' title 'commands'";
    for (int i = 0; i < 4; ++i) {
      std::snprintf(buf, sizeof(buf), ", NaN with lines lw 2 lc rgb '%s' title '%s %.2f ms'",
                    colors[i], names[i], ms(marks[i]));
      f << buf;
    }
    f << "\n";
  }
  auto cmd = "gnuplot '" + gp + "' 2>'" + png + ".err'";
  if (std::system(cmd.c_str()) != 0) {
    out << "histogram " << png << ": gnuplot failed or is not installed (apt-get install "
        << "gnuplot-nox); data and script left in " << dat << ", " << gp << "\n";
    return false;
  }
  std::remove((png + ".err").c_str());
  return true;
}

} // namespace

bool plot_histograms(run_report& r, const std::string& stem, std::ostream& out) {
  bool ok = true;
  for (auto [name, samples, h] :
       {std::make_tuple("backbone", &r.backbone_samples_us, &r.backbone_us),
        std::make_tuple("end_to_end", &r.end_to_end_samples_us, &r.end_to_end_us)}) {
    auto png = stem + "-" + name + ".png";
    auto title = r.scenario + ": " +
                 (std::string{name} == "backbone" ? "backbone latency (dispatch -> gateway reply)"
                                                  : "end-to-end latency (submission -> outcome)");
    if (plot_one(*samples, *h, title, png, out))
      r.plots.push_back(png);
    else
      ok = false;
  }
  return ok;
}

} // namespace shelfwire::sim
