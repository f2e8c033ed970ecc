#include "plot.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>
#include <tapegrad/engine/error.hpp>

namespace tapegrad::tool {
namespace {

std::string xml_escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (c == '"') {
      out += "&quot;";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string line_chart_svg(const std::vector<Series>& series, const std::string& title,
                           const std::string& y_label) {
  if (series.empty()) detail::fail("plot", "series", "nothing to plot");
  std::size_t epochs = 0;
  double lo = INFINITY, hi = -INFINITY;
  for (const Series& s : series) {
    if (s.values.empty()) detail::fail("plot", s.name, "no values");
    epochs = std::max(epochs, s.values.size());
    for (const double v : s.values) {
      if (!std::isfinite(v)) detail::fail("plot", s.name, "value {} is not finite", v);
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  if (hi - lo < 1e-12) hi = lo + 1.0;  // a flat curve still gets a y range
  constexpr double width = 640, height = 400, left = 70, right = 20, top = 40, bottom = 50;
  const double plot_w = width - left - right, plot_h = height - top - bottom;
  const auto x_of = [&](std::size_t epoch) {  // epoch is 1-based
    return left + (epochs == 1
                       ? 0.0
                       : plot_w * static_cast<double>(epoch - 1) / static_cast<double>(epochs - 1));
  };
  const auto y_of = [&](double v) { return top + plot_h * (hi - v) / (hi - lo); };

  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} "
      "{1}\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"{0}\" height=\"{1}\" fill=\"white\"/>\n"
      "<text x=\"{2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{3}</text>\n",
      width, height, width / 2, xml_escape(title));
  // Axes, with five ticks on each.
  svg += fmt::format("<path d=\"M{0} {1} V{2} H{3}\" fill=\"none\" stroke=\"black\"/>\n", left, top,
                     top + plot_h, left + plot_w);
  for (int i = 0; i <= 4; ++i) {
    const double v = lo + (hi - lo) * i / 4.0;
    const double y = y_of(v);
    svg += fmt::format(
        "<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" stroke=\"#dddddd\"/>\n"
        "<text x=\"{3}\" y=\"{4:.1f}\" text-anchor=\"end\">{5:.4g}</text>\n",
        left, y, left + plot_w, left - 6, y + 4, v);
    const auto epoch =
        static_cast<std::size_t>(std::lround(1.0 + static_cast<double>(epochs - 1) * i / 4.0));
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                       x_of(epoch), top + plot_h + 18, epoch);
  }
  svg += fmt::format(
      "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">epoch</text>\n"
      "<text x=\"16\" y=\"{}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {})\">{}</text>\n",
      left + plot_w / 2, height - 10, top + plot_h / 2, top + plot_h / 2, xml_escape(y_label));
  constexpr std::array<const char*, 4> colors{"#1f77b4", "#d62728", "#2ca02c", "#9467bd"};
  for (std::size_t k = 0; k < series.size(); ++k) {
    const Series& s = series[k];
    std::string points;
    for (std::size_t e = 0; e < s.values.size(); ++e) {
      points += fmt::format("{}{:.2f},{:.2f}", e ? " " : "", x_of(e + 1), y_of(s.values[e]));
    }
    const char* color = colors[k % colors.size()];
    svg += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>\n",
                       color, points);
    const double ly = top + 8 + 18.0 * static_cast<double>(k);
    svg += fmt::format(
        "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{3}\" stroke-width=\"2\"/>\n"
        "<text x=\"{4}\" y=\"{5}\">{6}</text>\n",
        left + plot_w - 150, ly, left + plot_w - 125, color, left + plot_w - 118, ly + 4,
        xml_escape(s.name));
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace tapegrad::tool
