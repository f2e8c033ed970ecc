// A loss curve as a small self-contained SVG line chart (no dependency).
#pragma once

#include <string>
#include <vector>

namespace tapegrad::tool {

/// One curve: a value per epoch (epoch 1 first).
struct Series {
  std::string name;
  std::vector<double> values;
};

/// An SVG line chart of the series against the epoch, with axes, tick labels and a legend.
/// Throws Error when there is no series, a series is empty, or a value is not finite.
[[nodiscard]] std::string line_chart_svg(const std::vector<Series>& series,
                                         const std::string& title, const std::string& y_label);

}  // namespace tapegrad::tool
