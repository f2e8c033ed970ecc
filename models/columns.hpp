// What the columns of a CSV file mean to a model: the task a target implies, its labels, and the
// options that read a file the way a model was trained on one.
//
// The task of a target column (encode_target), unless the caller says classification or
// regression:
//   - numbers that are all 0 or 1, both present: binary, labels as they are;
//   - two distinct values of any other kind (-1/1, 1/2, "no"/"yes", "false"/"true"): binary,
//     the first in order (numeric order for numbers, byte order for text) label 0;
//   - text with three or more distinct values, or whole numbers with 3 to kMaxAutoClasses
//     distinct values: multiclass, labels 0..k-1 in that order;
//   - numbers that are not all whole: regression;
//   - whole numbers with more than kMaxAutoClasses distinct values: refused (a count, a score or
//     a year could be either; the caller must say which).
// Classification keeps each label's name (its text, or the number in shortest form) in the
// model's `classes`, except for a 0/1 target. A classification target with a single value is
// refused; regression refuses text.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tapegrad/models/dataset.hpp"
#include "tapegrad/models/model.hpp"

namespace tapegrad {

/// What the caller says the target is; `automatic` decides from its values.
enum class TaskChoice { automatic, classification, regression };
/// Parses "auto", "classification" or "regression"; throws Error otherwise.
TaskChoice parse_task_choice(std::string_view text);

/// The most distinct whole numbers an automatic decision takes as classes.
inline constexpr std::size_t kMaxAutoClasses = 20;

/// The task a target implies and the names of its labels.
struct TargetEncoding {
  Task task = Task::binary;  ///< binary, multiclass or regression
  /// Label c's name; empty for a 0/1 target and for regression.
  std::vector<std::string> classes;
};

/// Decides the task of `data`'s target (see the top) and maps data.y to labels 0..k-1 for
/// classification (and data.classes to the label names). `file` names the data in messages:
/// "target: data.csv: column 'y': expected at least 2 classes, found only '1' in 12 rows".
TargetEncoding encode_target(Dataset& data, TaskChoice choice, std::string_view file);
/// As above, deciding from `distinct`, the sorted distinct values of a numeric target over more
/// rows than `data`'s (all processes' of a data-parallel job, parallel.hpp), among them every
/// value of data.y.
TargetEncoding encode_target(Dataset& data, TaskChoice choice, std::string_view file,
                             std::span<const double> distinct);

/// Maps the target of `data` (read from `file`) to `model`'s labels: a class name (text, or a
/// number in shortest form) to its index in model.classes; 0/1 and regression targets as they
/// are. Throws Error naming a value that is not one of the model's classes.
void encode_target_for(Dataset& data, const Model& model, std::string_view file);

/// The CSV columns `model` reads: its numeric features and its text columns, in feature order.
std::vector<std::string> model_columns(const Model& model);

/// `options` completed to read a file for `model`: only its columns, its text columns with its
/// categories, and its training means (the standardizer's) as the missing values' fill.
CsvOptions model_csv_options(const Model& model, CsvOptions options);

}  // namespace tapegrad
