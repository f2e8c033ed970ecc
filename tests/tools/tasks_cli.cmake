# The tool on the CSV files people have (issue 11): the task found from the target, text labels
# and features, missing values, separators, id columns; predict, eval, graph and gradcheck on the
# models that makes. Included from CMakeLists.txt (tapegrad_cli_test is defined there).
set(tasks "${CMAKE_CURRENT_SOURCE_DIR}/data/tasks")

# Multiclass from text labels: the k x k confusion matrix, label names in the model and predict.
tapegrad_cli_test(tasks_species_train
                  ARGS train|${tasks}/species.csv|--target|species|--save|@WORK@/m.json
                  STDOUT "\\(2 features, target species\\)\nTask: multiclass classification \\(3 classes: setosa, versicolor, virginica\\)\n.*Confusion matrix \\(test set, 9 examples. rows: actual, columns: predicted\\):\n +setosa +versicolor +virginica +recall\n  setosa +[0-9]+ +[0-9]+ +[0-9]+ +[0-9.]+%\n.*  precision +[0-9.]+% +[0-9.]+% +[0-9.]+%\n"
                  EXISTS @WORK@/m.json)
set_tests_properties(cli.tasks_species_train PROPERTIES FIXTURES_SETUP tasks_species)
set(species_model "${scratch}/tasks_species_train/m.json")
tapegrad_cli_test(tasks_species_predict ARGS predict|${species_model}|${tasks}/species.csv
                  STDOUT "^row,class,p_setosa,p_versicolor,p_virginica\n1,setosa,0\\.[0-9]+,[0-9.e-]+,[0-9.e-]+\n2,versicolor,[0-9.e-]+,0\\.[0-9]+,[0-9.e-]+\n3,virginica,")
tapegrad_cli_test(tasks_species_eval_json ARGS eval|${species_model}|${tasks}/species.csv|--json
                  STDOUT "\"count\": 45,\n  \"loss\": [0-9.e-]+,\n  \"accuracy\": 1\\.0,\n  \"classes\": \\[\n    \"setosa\",")
tapegrad_cli_test(tasks_species_gradcheck ARGS gradcheck|${species_model}|--data|${tasks}/species.csv
                  STDOUT "on 16 examples of .*species.csv: 9 param elements .*\nok: 9 elements")
tapegrad_cli_test(tasks_species_graph ARGS graph|${species_model}|--data|${tasks}/species.csv|--rows|2
                  STDOUT "^digraph tapegrad .*softmax\\) on the first 2 examples")
tapegrad_cli_test(tasks_species_graph_korean
                  ARGS graph|${species_model}|--data|${tasks}/species.csv|--rows|2|--lang|ko
                  STDOUT "^digraph tapegrad .*softmax\\): .*species.csv의 처음 2개 예제\".*\\\\n매개변수 ")
# Labels 0, 1, 2 the model does not know (its classes are names): refused, naming the value.
tapegrad_cli_test(tasks_species_eval_unknown_class
                  ARGS eval|${species_model}|${tasks}/species_ints.csv|--target|label RC 2 ONE_LINE
                  STDERR "^tapegrad: target: .*species_ints.csv: column 'label': expected one of the model's classes 'setosa', 'versicolor' or 'virginica', found '0'\n$")
tapegrad_cli_test(tasks_threshold_multiclass ARGS predict|${species_model}|${tasks}/species.csv|--threshold|0.7
                  RC 2 ONE_LINE STDERR "--threshold: applies to binary models only, found a multiclass model")
set_tests_properties(cli.tasks_species_predict cli.tasks_species_eval_json cli.tasks_species_gradcheck
                     cli.tasks_species_graph cli.tasks_species_graph_korean
                     cli.tasks_species_eval_unknown_class
                     cli.tasks_threshold_multiclass PROPERTIES FIXTURES_REQUIRED tasks_species)
tapegrad_cli_test(tasks_species_json ARGS train|${tasks}/species.csv|--target|species|--json
                  STDOUT "\"task\": \"multiclass\",\n  \"model\": \"softmax\",.*\"classes\": \\[\n    \"setosa\",\n    \"versicolor\",\n    \"virginica\"\n  \\],\n  \"loss\": [0-9.e-]+,\n  \"accuracy\": 1\\.0,\n  \"test_loss\": [0-9.e-]+,\n  \"test_accuracy\": 1\\.0,")
tapegrad_cli_test(tasks_ints_multiclass ARGS train|${tasks}/species_ints.csv|--target|label|--json
                  STDOUT "\"classes\": \\[\n    \"0\",\n    \"1\",\n    \"2\"\n  \\],")
tapegrad_cli_test(tasks_mlp_multiclass
                  ARGS train|${tasks}/species.csv|--target|species|--model|mlp|--hidden|4|--epochs|3|--json
                  STDOUT "\"model\": \"mlp\",\n  \"sizes\": \\[\n    2,\n    4,\n    3\n  \\],")
tapegrad_cli_test(tasks_model_mismatch ARGS train|${tasks}/species.csv|--target|species|--model|logreg
                  RC 2 ONE_LINE STDERR "^tapegrad: train: --model: logreg does not fit a multiclass target. use softmax or mlp\n$")

# Regression: an exactly linear file (y = 2 x1 - 3 x2 + 0.5) is fitted to R² = 1.
set(r2_one "(1\\.0|0\\.9999999999[0-9]*)")
tapegrad_cli_test(tasks_linear_json ARGS train|${tasks}/linear.csv|--target|y|--optimizer|gd|--epochs|2000|--json
                  STDOUT "\"task\": \"regression\",\n  \"model\": \"linear\",.*\"loss\": [0-9.]+e-[0-9]+,\n  \"rmse\": [0-9.]+e-[0-9]+,\n  \"mae\": [0-9.]+e-[0-9]+,\n  \"r2\": ${r2_one},\n  \"test_loss\": [0-9.]+e-[0-9]+,\n  \"test_rmse\": [0-9.]+e-[0-9]+,\n  \"test_mae\": [0-9.]+e-[0-9]+,\n  \"test_r2\": ${r2_one},")
# The default optimizer (L-BFGS, tolerance 1e-10 for least squares) solves it to rounding too.
tapegrad_cli_test(tasks_linear_default ARGS train|${tasks}/linear.csv|--target|y|--json
                  STDOUT "\"optimizer\": \"lbfgs\".*\"rmse\": [0-9.]+e-(0[89]|[1-9][0-9]),.*\"r2\": ${r2_one},")
tapegrad_cli_test(tasks_linear_train
                  ARGS train|${tasks}/linear.csv|--target|y|--optimizer|gd|--epochs|2000|--save|@WORK@/m.json
                  STDOUT "Task: regression\n +MSE +RMSE +MAE +R² +examples\n  train .* 32\n  test .* 8\n"
                  STDERR "linear epoch 2000/2000: loss [0-9.e-]+\n")
set_tests_properties(cli.tasks_linear_train PROPERTIES FIXTURES_SETUP tasks_linear)
set(linear_model "${scratch}/tasks_linear_train/m.json")
# Points the file does not hold: (1, 1) -> -0.5, (0, 0) -> 0.5, in the target's units.
set(half "0\\.(5|4999999999[0-9]*|5000000000[0-9]*)")
tapegrad_cli_test(tasks_linear_predict ARGS predict|${linear_model}|${tasks}/linear_new.csv
                  STDOUT "^row,prediction\n1,-${half}\n2,${half}\n$")
tapegrad_cli_test(tasks_linear_eval ARGS eval|${linear_model}|${tasks}/linear.csv
                  STDOUT "\\(target y\\): mean squared error [0-9.]+e-[0-9]+\nErrors \\(all rows, 40 examples\\): RMSE [0-9.]+e-[0-9]+, MAE [0-9.]+e-[0-9]+, R² 1\n")
tapegrad_cli_test(tasks_linear_gradcheck ARGS gradcheck|${linear_model}|--data|${tasks}/linear.csv
                  STDOUT "\nok: 3 elements")
set_tests_properties(cli.tasks_linear_predict cli.tasks_linear_eval cli.tasks_linear_gradcheck
                     PROPERTIES FIXTURES_REQUIRED tasks_linear)
tapegrad_cli_test(tasks_mlp_regression ARGS train|${tasks}/linear.csv|--target|y|--model|mlp|--epochs|3|--json
                  STDOUT "\"task\": \"regression\",\n  \"model\": \"mlp\",.*\"r2\": ")
tapegrad_cli_test(tasks_text_regression ARGS train|${tasks}/species.csv|--target|species|--task|regression
                  RC 2 ONE_LINE STDERR "column 'species': expected numbers for regression, found text such as 'setosa'\n$")

# Integer targets: more than 20 values are refused unless --task says which; one class refused.
tapegrad_cli_test(tasks_many_ints ARGS train|${tasks}/many_ints.csv|--target|count|--save|@WORK@/m.json
                  RC 2 ONE_LINE ABSENT @WORK@/m.json
                  STDERR "^tapegrad: target: .*many_ints.csv: column 'count': expected at most 20 distinct whole numbers for classification, found 30. say --task classification or --task regression\n$")
tapegrad_cli_test(tasks_many_ints_regression ARGS train|${tasks}/many_ints.csv|--target|count|--task|regression
                  STDOUT "Task: regression\n")
tapegrad_cli_test(tasks_many_ints_classification
                  ARGS train|${tasks}/many_ints.csv|--target|count|--task|classification|--epochs|2
                  STDOUT "Task: multiclass classification \\(30 classes: 0, 3, 6,")
tapegrad_cli_test(tasks_single_class ARGS train|${tasks}/single_class.csv|--target|y RC 2 ONE_LINE
                  STDERR "^tapegrad: target: .*single_class.csv: column 'y': expected at least 2 classes, found only '1' in 10 rows. a classifier needs examples of each class\n$")

# A text feature column is one-hot encoded; its categories go into the model; an unseen one is
# all zeros, and said so.
tapegrad_cli_test(tasks_colors_train
                  ARGS train|${tasks}/colors.csv|--target|label|--save|@WORK@/m.json
                  STDOUT "\\(4 features, target label\\)\nTask: binary classification \\(2 classes: 0, 1\\)\n")
set_tests_properties(cli.tasks_colors_train PROPERTIES FIXTURES_SETUP tasks_colors)
tapegrad_cli_test(tasks_colors_unseen ARGS predict|${scratch}/tasks_colors_train/m.json|${tasks}/colors_unseen.csv
                  STDOUT "^row,class,p_0,p_1\n1,[01],[0-9.e-]+,[0-9.e-]+\n2,[01],[0-9.e-]+,[0-9.e-]+\n3,[01],[0-9.e-]+,[0-9.e-]+\n$"
                  STDERR "^tapegrad: predict: 1 value of categories not seen in training encoded as all zeros. the first: .*colors_unseen.csv:3:2: 'purple' in column 'color'\n$")
tapegrad_cli_test(tasks_colors_gradcheck ARGS gradcheck|${scratch}/tasks_colors_train/m.json|--data|${tasks}/colors.csv
                  STDOUT "\nok: 5 elements")
set_tests_properties(cli.tasks_colors_unseen cli.tasks_colors_gradcheck
                     PROPERTIES FIXTURES_REQUIRED tasks_colors)

# Labels true/false and -1/1: binary, names kept; predict names its columns after them.
tapegrad_cli_test(tasks_truefalse_train ARGS train|${tasks}/truefalse.csv|--target|ok|--save|@WORK@/m.json
                  STDOUT "Task: binary classification \\(2 classes: false, true\\)\n")
set_tests_properties(cli.tasks_truefalse_train PROPERTIES FIXTURES_SETUP tasks_truefalse)
tapegrad_cli_test(tasks_truefalse_predict ARGS predict|${scratch}/tasks_truefalse_train/m.json|${tasks}/truefalse.csv
                  STDOUT "^row,class,p_false,p_true\n1,(true|false),")
set_tests_properties(cli.tasks_truefalse_predict PROPERTIES FIXTURES_REQUIRED tasks_truefalse)
tapegrad_cli_test(tasks_plusminus_json ARGS train|${tasks}/plusminus.csv|--target|sign|--json
                  STDOUT "\"task\": \"binary\",.*\"classes\": \\[\n    \"-1\",\n    \"1\"\n  \\],\n  \"loss\": 0\\.30242516000075625,")

# Separators: the same data with ',', ';' (decimal commas) and tabs trains to the same loss (and
# the same as -1/1 labels above, which are the same labels).
foreach(file comma01.csv semicolon.csv tab.tsv)
  tapegrad_cli_test(tasks_separator_${file} ARGS train|${tasks}/${file}|--target|ok|--json
                    STDOUT "\"loss\": 0\\.30242516000075625,\n  \"accuracy\": ")
endforeach()
tapegrad_cli_test(tasks_separator_given ARGS train|${tasks}/tab.tsv|--target|ok|--sep|tab|--json
                  STDOUT "\"loss\": 0\\.30242516000075625,")
tapegrad_cli_test(tasks_separator_wrong ARGS train|${tasks}/semicolon.csv|--target|ok|--sep|, RC 2 ONE_LINE
                  STDERR "^tapegrad: read_csv: .*semicolon.csv:1: expected a column named 'ok', found none\n$")
tapegrad_cli_test(tasks_separator_bad ARGS train|${tasks}/comma01.csv|--target|ok|--sep|: RC 2 ONE_LINE
                  STDERR "^tapegrad: --sep: expected ',', '.' or 'tab', found ':'")

# An id column: refused as a feature (all values differ), never a feature with --id, and passed
# through to predict's output; --ignore leaves it out.
tapegrad_cli_test(tasks_id_as_feature ARGS train|${tasks}/with_id.csv|--target|ok RC 2 ONE_LINE
                  STDERR "^tapegrad: read_csv: .*with_id.csv:1:1: expected a text column's values to repeat \\(categories\\), found 30 different values in 30 rows of 'name'. name it with --id or leave it out with --ignore\n$")
tapegrad_cli_test(tasks_id_train ARGS train|${tasks}/with_id.csv|--target|ok|--id|name|--save|@WORK@/m.json
                  STDOUT "\\(2 features, target ok\\)")
set_tests_properties(cli.tasks_id_train PROPERTIES FIXTURES_SETUP tasks_id)
tapegrad_cli_test(tasks_id_predict ARGS predict|${scratch}/tasks_id_train/m.json|${tasks}/with_id.csv|--id|name
                  STDOUT "^name,class,p_0,p_1\nitem-00,1,0\\.41[0-9]*,0\\.58[0-9]*\n")
# --threshold: the same row (p_1 = 0.585) is class 0 at 0.9.
tapegrad_cli_test(tasks_id_threshold ARGS predict|${scratch}/tasks_id_train/m.json|${tasks}/with_id.csv|--id|name|--threshold|0.9
                  STDOUT "^name,class,p_0,p_1\nitem-00,0,0\\.41[0-9]*,0\\.58[0-9]*\n")
set_tests_properties(cli.tasks_id_predict cli.tasks_id_threshold PROPERTIES FIXTURES_REQUIRED tasks_id)
tapegrad_cli_test(tasks_ignore ARGS train|${tasks}/with_id.csv|--target|ok|--ignore|name
                  STDOUT "\\(2 features, target ok\\)")
tapegrad_cli_test(tasks_ignore_unknown ARGS train|${tasks}/with_id.csv|--target|ok|--ignore|nope RC 2 ONE_LINE
                  STDERR "^tapegrad: read_csv: .*with_id.csv:1: expected an ignored column named 'nope', found none\n$")

# Missing values (empty, NA, nan): error by default, naming row, column and count; nothing
# written; drop; mean.
tapegrad_cli_test(tasks_missing_error ARGS train|${tasks}/missing.csv|--target|ok|--save|@WORK@/m.json
                  RC 2 ONE_LINE ABSENT @WORK@/m.json
                  STDERR "^tapegrad: read_csv: .*missing.csv:5:1: expected a value in column 'a', found '' \\(missing. 3 missing values in 2 columns: choose --missing drop or --missing mean\\)\n$")
tapegrad_cli_test(tasks_missing_drop ARGS train|${tasks}/missing.csv|--target|ok|--missing|drop
                  STDERR "^tapegrad: train: left out 3 rows with missing values \\(--missing drop\\)\n"
                  STDOUT "  train .* 22\n  test .* 5\n")
tapegrad_cli_test(tasks_missing_mean ARGS train|${tasks}/missing.csv|--target|ok|--missing|mean|--save|@WORK@/m.json
                  STDERR "^tapegrad: train: filled 3 missing values with the mean \\(--missing mean\\)\n"
                  STDOUT "  train .* 24\n  test .* 6\n")
set_tests_properties(cli.tasks_missing_mean PROPERTIES FIXTURES_SETUP tasks_missing)
tapegrad_cli_test(tasks_missing_predict_drop
                  ARGS predict|${scratch}/tasks_missing_mean/m.json|${tasks}/missing.csv|--missing|drop
                  STDOUT "^row,class,p_0,p_1\n1,[^\n]*\n2,[^\n]*\n3,[^\n]*\n5,[^\n]*\n6,[^\n]*\n7,[^\n]*\n9,")
tapegrad_cli_test(tasks_missing_predict_error
                  ARGS predict|${scratch}/tasks_missing_mean/m.json|${tasks}/missing.csv|-o|@WORK@/p.csv
                  RC 2 ONE_LINE ABSENT @WORK@/p.csv STDERR "missing.csv:5:1: expected a value in column 'a'")
tapegrad_cli_test(tasks_missing_predict_mean
                  ARGS predict|${scratch}/tasks_missing_mean/m.json|${tasks}/missing.csv|--missing|mean
                  STDERR "^tapegrad: predict: filled 3 missing values with the mean"
                  STDOUT "\n30,[^\n]*\n$")
set_tests_properties(cli.tasks_missing_predict_drop cli.tasks_missing_predict_error
                     cli.tasks_missing_predict_mean PROPERTIES FIXTURES_REQUIRED tasks_missing)

# predict's CSV checked number by number (doctest, in the tests binary).
target_sources(tapegrad_tests PRIVATE predictions_test.cpp "${PROJECT_SOURCE_DIR}/tools/models.cpp")

# graph and gradcheck on a k-output MLP and an MLP regressor (they used the binary loss before).
tapegrad_cli_test(tasks_mlp_models_train
                  ARGS train|${tasks}/species.csv|--target|species|--model|mlp|--hidden|5|--epochs|20|--save|@WORK@/m.json
                  EXISTS @WORK@/m.json)
tapegrad_cli_test(tasks_mlp_regressor_train
                  ARGS train|${tasks}/linear.csv|--target|y|--model|mlp|--hidden|4|--epochs|20|--save|@WORK@/m.json
                  EXISTS @WORK@/m.json)
set_tests_properties(cli.tasks_mlp_models_train cli.tasks_mlp_regressor_train
                     PROPERTIES FIXTURES_SETUP tasks_mlps)
tapegrad_cli_test(tasks_mlp_multiclass_gradcheck
                  ARGS gradcheck|${scratch}/tasks_mlp_models_train/m.json|--data|${tasks}/species.csv
                  STDOUT "\nok: 33 elements")
tapegrad_cli_test(tasks_mlp_regressor_gradcheck
                  ARGS gradcheck|${scratch}/tasks_mlp_regressor_train/m.json|--data|${tasks}/linear.csv
                  STDOUT "\nok: 17 elements")
tapegrad_cli_test(tasks_mlp_regressor_graph
                  ARGS graph|${scratch}/tasks_mlp_regressor_train/m.json|--data|${tasks}/linear.csv|--rows|2
                  STDOUT "^digraph tapegrad .*mlp\\) on the first 2 examples")
set_tests_properties(cli.tasks_mlp_multiclass_gradcheck cli.tasks_mlp_regressor_gradcheck
                     cli.tasks_mlp_regressor_graph PROPERTIES FIXTURES_REQUIRED tasks_mlps)

# A text column trains exactly as the same data one-hot encoded by hand (colors_onehot.csv): the
# same losses to the last digit.
foreach(file colors.csv colors_onehot.csv)
  tapegrad_cli_test(tasks_onehot_same_${file} ARGS train|${tasks}/${file}|--target|label|--json
                    STDOUT "\"sizes\": \\[\n    4,\n    1\n  \\],.*\"loss\": 0\\.16064990774786025,\n  \"accuracy\": [0-9.]+,\n  \"test_loss\": 0\\.12007901286398712,")
endforeach()

# eval and predict read the CSV in blocks of rows (issue 13): in blocks of 1, 2 or 5 rows they
# print and write exactly what one block gives, errors included (a late block's error names its
# line and leaves no output file).
function(tapegrad_blocks_test name block)
  cmake_parse_arguments(T "" "ARGS;RC" "" ${ARGN})
  set(defs -DTOOL=$<TARGET_FILE:tapegrad-cli> "-DARGS=${T_ARGS}" -DBLOCK=${block}
           -DWORKDIR=${scratch}/${name})
  if(DEFINED T_RC)
    list(APPEND defs -DEXPECT_RC=${T_RC})
  endif()
  add_test(NAME cli.${name} COMMAND ${CMAKE_COMMAND} ${defs} -P
                                    ${CMAKE_CURRENT_SOURCE_DIR}/blocks_same.cmake)
endfunction()
set(missing_model "${scratch}/tasks_missing_mean/m.json")
set(colors_model "${scratch}/tasks_colors_train/m.json")
foreach(block 1 2 5)
  tapegrad_blocks_test(blocks_species_predict_${block} ${block}
                       ARGS predict|${species_model}|${tasks}/species.csv|-o|@WORK@/p.csv)
  tapegrad_blocks_test(blocks_species_eval_${block} ${block}
                       ARGS eval|${species_model}|${tasks}/species.csv)
  tapegrad_blocks_test(blocks_colors_eval_${block} ${block}
                       ARGS eval|${colors_model}|${tasks}/colors.csv|--json)
  tapegrad_blocks_test(blocks_colors_predict_${block} ${block}
                       ARGS predict|${colors_model}|${tasks}/colors_unseen.csv)
  foreach(policy drop mean)
    tapegrad_blocks_test(blocks_missing_${policy}_predict_${block} ${block}
                         ARGS predict|${missing_model}|${tasks}/missing.csv|--missing|${policy})
    tapegrad_blocks_test(blocks_missing_${policy}_eval_${block} ${block}
                         ARGS eval|${missing_model}|${tasks}/missing.csv|--missing|${policy}|--json)
  endforeach()
  tapegrad_blocks_test(blocks_linear_eval_${block} ${block}
                       ARGS eval|${linear_model}|${tasks}/linear.csv|--json)
  tapegrad_blocks_test(blocks_linear_predict_${block} ${block}
                       ARGS predict|${linear_model}|${tasks}/linear_new.csv)
  set_tests_properties(cli.blocks_linear_eval_${block} cli.blocks_linear_predict_${block}
                       PROPERTIES FIXTURES_REQUIRED tasks_linear)
  tapegrad_blocks_test(blocks_missing_error_${block} ${block} RC 2
                       ARGS predict|${missing_model}|${tasks}/missing.csv|-o|@WORK@/p.csv)
  tapegrad_blocks_test(blocks_late_error_${block} ${block} RC 2
                       ARGS predict|${colors_model}|${tasks}/colors_late_error.csv|-o|@WORK@/p.csv)
  set_tests_properties(cli.blocks_species_predict_${block} cli.blocks_species_eval_${block}
                       PROPERTIES FIXTURES_REQUIRED tasks_species)
  set_tests_properties(cli.blocks_colors_eval_${block} cli.blocks_colors_predict_${block}
                       cli.blocks_late_error_${block} PROPERTIES FIXTURES_REQUIRED tasks_colors)
  set_tests_properties(cli.blocks_missing_drop_predict_${block} cli.blocks_missing_drop_eval_${block}
                       cli.blocks_missing_mean_predict_${block} cli.blocks_missing_mean_eval_${block}
                       cli.blocks_missing_error_${block} PROPERTIES FIXTURES_REQUIRED tasks_missing)
endforeach()
# The late error itself: line 35 named, no output file (whatever the block size).
tapegrad_cli_test(blocks_late_error_line
                  ARGS predict|${colors_model}|${tasks}/colors_late_error.csv|-o|@WORK@/p.csv
                  RC 2 ONE_LINE ABSENT @WORK@/p.csv
                  STDERR "^tapegrad: read_csv: .*colors_late_error.csv:35:1: expected a number, found 'big'\n$")
set_tests_properties(cli.blocks_late_error_line PROPERTIES FIXTURES_REQUIRED tasks_colors)
