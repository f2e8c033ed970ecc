// tapegrad: a tape-based reverse-mode automatic differentiation engine.
//
// Include this one header for everything: tensors, the tape, every op, gradient checking.
//
//   tapegrad::Tape tape;
//   tapegrad::Var w = tape.param(0.5, "w"), x = tape.input(2.0, "x");
//   tapegrad::Var L = tapegrad::sigmoid(w * x);
//   tape.backward(L);            // w.grad().item() == dL/dw
#pragma once

#include "tapegrad/ops/dot.hpp"
#include "tapegrad/engine/error.hpp"
#include "tapegrad/engine/grad_check.hpp"
#include "tapegrad/engine/tape.hpp"
#include "tapegrad/engine/tensor.hpp"
#include "tapegrad/ops/add.hpp"
#include "tapegrad/ops/affine.hpp"
#include "tapegrad/ops/detach.hpp"
#include "tapegrad/ops/div.hpp"
#include "tapegrad/ops/exp.hpp"
#include "tapegrad/ops/log.hpp"
#include "tapegrad/ops/log_loss.hpp"
#include "tapegrad/ops/log_loss_with_logits.hpp"
#include "tapegrad/ops/matmul.hpp"
#include "tapegrad/ops/mean.hpp"
#include "tapegrad/ops/mse.hpp"
#include "tapegrad/ops/mul.hpp"
#include "tapegrad/ops/op_kind.hpp"
#include "tapegrad/ops/pow.hpp"
#include "tapegrad/ops/rdiv.hpp"
#include "tapegrad/ops/relu.hpp"
#include "tapegrad/ops/sigmoid.hpp"
#include "tapegrad/ops/sub.hpp"
#include "tapegrad/ops/sum.hpp"
#include "tapegrad/ops/tanh.hpp"
#include "tapegrad/ops/transpose.hpp"

// Models: logistic regression, MLPs, training, data and model files.
#include "tapegrad/models/dataset.hpp"
#include "tapegrad/models/logistic.hpp"
#include "tapegrad/models/model.hpp"
#include "tapegrad/models/model_io.hpp"
#include "tapegrad/models/optimizer.hpp"
#include "tapegrad/models/random.hpp"
#include "tapegrad/models/train.hpp"
