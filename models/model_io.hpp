// Model files: JSON, written atomically, validated on load.
//
// Format (version 3; version 2 is the same without "categorical", version 1 also without "task",
// "classes" and "target_standardization", and means a binary task):
//   {
//     "format": "tapegrad-model", "version": 2,
//     "kind": "logreg" | "mlp" | "softmax" | "linear",
//     "task": "binary" | "multiclass" | "regression",   follows the kind except for an MLP
//     "sizes": [30, 16, 3],                       layer widths, input first, output 1 or k
//     "activation": "tanh" | "relu",              MLP only
//     "feature_names": ["mean_radius", ...],      one per input
//     "target_name": "malignant",
//     "standardization": null | {"mean": [...], "scale": [...]},
//     "classes": [] | ["setosa", ...],            classification: none, or k names
//     "target_standardization": null | {"mean": [m], "scale": [s]},   regression only
//     "categorical": [{"name": "color", "categories": ["blue", "red"]}, ...],
//                                                 one-hot text columns: features "color=blue", ...
//     "parameters": [{"name": "W1", "shape": [16, 30], "values": [...row-major...]}, ...]
//   }
// save_model writes version 1 for a binary model without class names (so earlier readers load
// it, and its file is what they wrote), version 3 for a model with one-hot text columns (which
// earlier readers must refuse: they would look for columns named "color=blue"), version 2
// otherwise; load_model reads all three.
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

/// The newest file format version (written for models with text columns; 1 to 3 are accepted).
inline constexpr int kModelFormatVersion = 3;

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
