// `tapegrad graph` and `tapegrad gradcheck` for the lecture examples.
#include <cmath>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"

namespace tapegrad::tool {

std::vector<std::string> write_diagram(const std::string& dot, const std::string& dot_path,
                                       bool svg, bool png) {
  std::vector<std::string> written;
  write_file_atomic(dot_path, dot);
  written.push_back(dot_path);
  if (!svg && !png) return written;
  if (!graphviz_available()) {
    fmt::print(stderr,
               "tapegrad: wrote {} only: Graphviz's dot program was not found; install Graphviz "
               "(apt-get install graphviz) to get SVG and PNG pictures\n",
               dot_path);
    return written;
  }
  std::filesystem::path base(dot_path);
  if (svg) {
    render_dot(dot, base.replace_extension(".svg"), ImageFormat::Svg);
    written.push_back(base.string());
  }
  if (png) {
    render_dot(dot, base.replace_extension(".png"), ImageFormat::Png);
    written.push_back(base.string());
  }
  return written;
}

int emit_graph(const Tape& tape, const GraphArgs& args, const std::string& title) {
  DotOptions o;
  o.ops = args.merged ? OpStyle::Merged : OpStyle::Separate;
  o.edge_derivatives = args.edge_derivatives;
  o.precision = args.precision;
  o.title = title;
  const std::string dot = to_dot(tape, o);
  if (args.out.empty()) {
    fmt::print("{}", dot);
    return 0;
  }
  const std::vector<std::string> written = write_diagram(dot, args.out, args.svg, args.png);
  for (const std::string& file : written) fmt::print("wrote {}\n", file);
  return 0;
}

int check_gradients(Var root, const GradcheckArgs& args, const std::string& what) {
  GradCheckOptions o;
  o.step = args.step;
  o.rtol = args.rtol;
  o.atol = args.atol;
  o.fd_noise = args.fd_noise;
  const GradCheckResult r = grad_check(root, o);
  const std::string worst_name =
      fmt::format("{}[{},{}]", r.worst.leaf.label(), r.worst.row, r.worst.col);
  if (args.json) {
    const nlohmann::ordered_json j{{"checked_graph", what},
                                   {"ok", r.ok},
                                   {"checked", r.checked},
                                   {"worst",
                                    {{"element", worst_name},
                                     {"analytic", r.worst.analytic},
                                     {"numeric", r.worst.numeric},
                                     {"abs_error", r.worst.abs_error},
                                     {"rel_error", r.worst.rel_error}}},
                                   {"step", o.step},
                                   {"rtol", o.rtol},
                                   {"atol", o.atol},
                                   {"fd_noise", o.fd_noise}};
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print("gradcheck {}: {} by central differences (step {:g}, rtol {:g}, atol {:g})\n", what,
               detail::plural(r.checked, "param element"), o.step, o.rtol, o.atol);
    fmt::print("{}\n", r.summary());
    fmt::print("worst relative error: {:.3e} at {}\n", r.worst.rel_error, worst_name);
  }
  return r.ok ? 0 : 1;
}

int run_graph(const GraphArgs& args) {
  const Example ex = make_example(args.example, args.settings);
  return emit_graph(*ex.tape, args, ex.title);
}

int run_gradcheck(const GradcheckArgs& args) {
  const Example ex = make_example(args.example, args.settings);
  return check_gradients(ex.root, args, ex.name);
}

}  // namespace tapegrad::tool
