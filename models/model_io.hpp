// Model files: JSON, written atomically, validated on load.
//
// Format (version 1):
//   {
//     "format": "tapegrad-model", "version": 1,
//     "kind": "logreg" | "mlp",
//     "sizes": [30, 16, 1],                       layer widths, input first, output 1
//     "activation": "tanh" | "relu",              MLP only
//     "feature_names": ["mean_radius", ...],      one per input
//     "target_name": "malignant",
//     "standardization": null | {"mean": [...], "scale": [...]},
//     "parameters": [{"name": "W1", "shape": [16, 30], "values": [...row-major...]}, ...]
//   }
// Numbers are written with the shortest decimal form that reads back to the same double, so a
// saved and loaded model predicts bit-identical probabilities.
//
// save_model writes a temporary file in the target's directory and renames it over the target:
// readers see the old file or the new one, never a partial one; on any failure the temporary
// file is removed and an existing file is left untouched. load_model rejects a wrong format or
// version, a wrong kind, a missing field, a wrong type, a wrong shape, any non-finite number, an
// empty or repeated feature name and an empty target name with an Error naming the file and the
// field, e.g.
//   "load_model: model.json: parameters[0].shape: expected [30, 1], found [29, 1]".
// JSON holds UTF-8 text: model_to_json refuses a feature or target name that is not UTF-8 (a
// Latin-1 CSV header, say), naming the field.
// (The JSON library is private to tapegrad; this header does not include it.)
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "tapegrad/models/model.hpp"

namespace tapegrad {

/// The file format version written and accepted.
inline constexpr int kModelFormatVersion = 1;

/// The model as JSON text (see above); throws Error for an inconsistent model or a non-finite
/// number.
std::string model_to_json(const Model& model);
/// Parses and validates JSON text; `name` stands for the file in messages.
Model model_from_json(std::string_view text, std::string_view name);

/// Writes `model` to `path` atomically; throws Error (naming the path) on failure.
void save_model(const Model& model, const std::filesystem::path& path);
/// Reads and validates a model file; throws Error naming the file and the offending field.
Model load_model(const std::filesystem::path& path);

namespace detail {
/// True when `text` is well-formed UTF-8 (what a JSON string holds).
[[nodiscard]] bool is_utf8(std::string_view text) noexcept;
/// Text from outside as it appears in a message, like detail::shown (control characters escaped,
/// cut at `max` bytes), with every byte that is not part of well-formed UTF-8 escaped as \xNN.
[[nodiscard]] std::string shown_text(std::string_view text, std::size_t max = 60);
}  // namespace detail

}  // namespace tapegrad
