#include "workloads.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <thread>
#include <utility>

namespace tapegrad::bench {

namespace {

using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMatrixMap = Eigen::Map<const RowMajor>;
using VectorMap = Eigen::Map<Eigen::VectorXd>;
using ConstVectorMap = Eigen::Map<const Eigen::VectorXd>;

// The same stable logistic function as the sigmoid op.
double sigmoid(double z) noexcept {
  if (z >= 0.0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

void sgd(std::span<double> p, std::span<const double> g) noexcept {
  for (std::size_t i = 0; i < p.size(); ++i) p[i] -= kLearningRate * g[i];
}

// Copies the gradients of `params` into g (in order), then applies the update to the params.
void read_and_update(Tape& tape, std::span<const Var> params, std::vector<double>& g) {
  std::size_t k = 0;
  for (const Var& p : params) {
    const TensorView grad = p.grad();
    const MutableTensorView value = tape.mutable_value(p);
    for (std::size_t i = 0; i < grad.size(); ++i) {
      g[k++] = grad[i];
      value[i] -= kLearningRate * grad[i];
    }
  }
}

// The gradient of loss at the tape's current values: forward(), zero_grad(), backward(), or with
// `blocks` zero_grad() and forward_backward().
void gradient(Tape& tape, Var loss, const BlockOptions* blocks) {
  if (blocks == nullptr) {
    tape.forward();
    tape.zero_grad();
    tape.backward(loss);
  } else {
    tape.zero_grad();
    tape.forward_backward(loss, *blocks);
  }
}

// Fills x (m x n, uniform in [-1, 1)) and labels y in {0, 1}: y = 1 where
// link(t . x + t0) + noise > 0 for random true weights t and noise uniform in [-noise, noise).
void make_data(Rng& rng, double* x, double* y, std::size_t m, std::size_t n, double noise,
               double (*link)(double)) {
  std::vector<double> truth(n + 1);
  for (double& t : truth) t = rng.uniform(-1.0, 1.0);
  for (std::size_t i = 0; i < m; ++i) {
    double z = truth[n];
    for (std::size_t j = 0; j < n; ++j) z += truth[j] * (x[i * n + j] = rng.uniform(-1.0, 1.0));
    y[i] = link(z) + rng.uniform(-noise, noise) > 0.0 ? 1.0 : 0.0;
  }
}

double identity(double z) noexcept { return z; }
double sine(double z) noexcept { return std::sin(z); }

}  // namespace

std::uint64_t Rng::next() noexcept {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double Rng::uniform(double lo, double hi) noexcept {
  return lo + (hi - lo) * static_cast<double>(next() >> 11) * 0x1.0p-53;
}

double median(std::vector<double> samples) {
  const auto middle = samples.begin() + static_cast<std::ptrdiff_t>(samples.size() / 2);
  std::nth_element(samples.begin(), middle, samples.end());
  return *middle;
}

double relative_error(std::span<const double> a, std::span<const double> b) {
  if (a.size() != b.size()) return std::numeric_limits<double>::infinity();
  double scale = std::numeric_limits<double>::min();
  for (const double v : b) scale = std::max(scale, std::abs(v));
  double err = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) err = std::max(err, std::abs(a[i] - b[i]));
  return err / scale;
}

// ---------------------------------------------------------------- W1

W1::W1() {
  Rng rng(kSeed);
  examples_.resize(64);
  for (Example& e : examples_) {
    e.x1 = rng.uniform(-2.0, 2.0);
    e.x2 = rng.uniform(-2.0, 2.0);
    e.y = rng.uniform(0.0, 1.0) < 0.5 ? 0.0 : 1.0;
  }
  for (double& p : init_) p = rng.uniform(-0.5, 0.5);
  std::copy_n(init_, 3, hand_p_);
  std::copy_n(init_, 3, record_p_);
  std::copy_n(init_, 3, adolc_record_p_);
  std::copy_n(init_, 3, adolc_replay_p_);
  replay_ = record(replay_tape_, examples_[0], init_);
}

W1::Recorded W1::record(Tape& tape, const Example& e, const double* p) {
  Recorded r;
  r.x1 = tape.input(e.x1);
  r.x2 = tape.input(e.x2);
  r.y = tape.input(e.y);
  r.w1 = tape.param(p[0]);
  r.w2 = tape.param(p[1]);
  r.b = tape.param(p[2]);
  r.loss = log_loss_with_logits(r.w1 * r.x1 + r.w2 * r.x2 + r.b, r.y);
  return r;
}

std::span<const double> W1::hand_step() {
  const Example& e = examples_[hand_i_++ & 63];
  double* p = hand_p_;
  const double z = p[0] * e.x1 + p[1] * e.x2 + p[2];
  const double dz = sigmoid(z) - e.y;  // dL/dz = a - y
  hand_g_[0] = e.x1 * dz;
  hand_g_[1] = e.x2 * dz;
  hand_g_[2] = dz;
  sgd(hand_p_, hand_g_);
  return hand_g_;
}

std::span<const double> W1::record_step() {
  const Example& e = examples_[record_i_++ & 63];
  record_tape_.clear();
  const Recorded r = record(record_tape_, e, record_p_);
  record_tape_.backward(r.loss);
  record_g_[0] = r.w1.grad()[0];
  record_g_[1] = r.w2.grad()[0];
  record_g_[2] = r.b.grad()[0];
  sgd(record_p_, record_g_);
  return record_g_;
}

std::span<const double> W1::replay_step() {
  const Example& e = examples_[replay_i_++ & 63];
  Tape& t = replay_tape_;
  t.mutable_value(replay_.x1)[0] = e.x1;
  t.mutable_value(replay_.x2)[0] = e.x2;
  t.mutable_value(replay_.y)[0] = e.y;
  t.forward();
  t.zero_grad();
  t.backward(replay_.loss);
  const Var params[3] = {replay_.w1, replay_.w2, replay_.b};
  for (int i = 0; i < 3; ++i) {
    replay_g_[i] = params[i].grad()[0];
    t.mutable_value(params[i])[0] -= kLearningRate * replay_g_[i];
  }
  return replay_g_;
}

// ---------------------------------------------------------------- W2

W2::W2(std::size_t m, std::size_t n) : m_(m), n_(n) {
  Rng rng(kSeed + 2);
  x_.resize(m * n);
  y_.resize(m);
  make_data(rng, x_.data(), y_.data(), m, n, 0.5, identity);
  init_.resize(n + 1);
  for (double& p : init_) p = rng.uniform(-0.1, 0.1);
  hand_p_ = init_;
  hand_g_.resize(n + 1);
  record_p_ = init_;
  record_g_.resize(n + 1);
  adolc_record_p_ = adolc_replay_p_ = init_;
  adolc_g_.resize(n + 1);
  sketch_ops_p_ = sketch_statements_p_ = sketch_nary_p_ = init_;
  sketch_g_.resize(n + 1);
  record_params_.reserve(n + 1);
  replay_params_.reserve(n + 1);
  replay_g_.resize(n + 1);
  const std::size_t before = replay_tape_.size();
  replay_loss_ = record(replay_tape_, init_.data(), replay_params_);
  ops_ = replay_tape_.size() - before - (n + 1);
}

Var W2::record(Tape& tape, const double* p, std::vector<Var>& params) {
  params.clear();
  for (std::size_t j = 0; j <= n_; ++j) params.push_back(tape.param(p[j]));
  const Var& b = params[n_];
  Var J;
  for (std::size_t i = 0; i < m_; ++i) {
    const double* x = &x_[i * n_];
    const double y = y_[i];
    Var z = params[0] * x[0];
    for (std::size_t j = 1; j < n_; ++j) z = z + params[j] * x[j];
    z = z + b;
    const Var a = sigmoid(z);
    const Var L = -(tapegrad::log(a) * y + tapegrad::log(1.0 - a) * (1.0 - y));
    J = i == 0 ? L : J + L;
  }
  return J * (1.0 / static_cast<double>(m_));
}

std::span<const double> W2::hand_step() {
  std::fill(hand_g_.begin(), hand_g_.end(), 0.0);
  const double* w = hand_p_.data();
  double* g = hand_g_.data();
  for (std::size_t i = 0; i < m_; ++i) {
    const double* x = &x_[i * n_];
    double z = w[n_];
    for (std::size_t j = 0; j < n_; ++j) z += w[j] * x[j];
    const double dz = sigmoid(z) - y_[i];  // dL/dz = a - y
    for (std::size_t j = 0; j < n_; ++j) g[j] += x[j] * dz;
    g[n_] += dz;
  }
  const double scale = 1.0 / static_cast<double>(m_);
  for (double& v : hand_g_) v *= scale;
  sgd(hand_p_, hand_g_);
  return hand_g_;
}

std::span<const double> W2::record_step() {
  record_tape_.clear();
  const Var J = record(record_tape_, record_p_.data(), record_params_);
  record_tape_.backward(J);
  for (std::size_t j = 0; j <= n_; ++j) record_g_[j] = record_params_[j].grad()[0];
  sgd(record_p_, record_g_);
  return record_g_;
}

std::span<const double> W2::replay_step() {
  replay_tape_.forward();
  replay_tape_.zero_grad();
  replay_tape_.backward(replay_loss_);
  read_and_update(replay_tape_, replay_params_, replay_g_);
  return replay_g_;
}

W2::PassTimes W2::pass_times(int rounds) {
  using Clock = std::chrono::steady_clock;
  std::vector<double> forward, backward;
  for (int r = 0; r < rounds; ++r) {
    const auto t0 = Clock::now();
    replay_tape_.forward();
    const auto t1 = Clock::now();
    replay_tape_.zero_grad();
    replay_tape_.backward(replay_loss_);
    const auto t2 = Clock::now();
    forward.push_back(std::chrono::duration<double>(t1 - t0).count());
    backward.push_back(std::chrono::duration<double>(t2 - t1).count());
  }
  return {median(std::move(forward)), median(std::move(backward))};
}

double W2::bytes_per_op() const noexcept {
  return static_cast<double>(replay_tape_.bytes_used()) / static_cast<double>(ops_);
}

// ---------------------------------------------------------------- W3

namespace {
// Rows per block of the hand-written gradient: 256 rows of 100 doubles = 200 KB, inside L2.
constexpr std::size_t kBlockRows = 256;
}  // namespace

W3::W3(std::size_t m, std::size_t n) : m_(m), n_(n) {
  Rng rng(kSeed + 3);
  // Room for every value up front: growing values_ past X would copy it (and double the peak).
  tape_.reserve(16, m * n + 8 * m + 2 * n + 16);
  x_ = tape_.input(Shape{m, n}, "X");
  y_ = tape_.input(Shape{m, 1}, "y");
  make_data(rng, tape_.mutable_value(x_).data(), tape_.mutable_value(y_).data(), m, n, 1.0,
            identity);
  init_.resize(n + 1);
  for (double& p : init_) p = rng.uniform(-0.1, 0.1);
  w_ = tape_.param(TensorView(init_.data(), Shape{n, 1}), "w");
  b_ = tape_.param(init_[n], "b");
  loss_ = mean(log_loss_with_logits(matmul(x_, w_) + b_, y_));
  hand_p_ = hand2_p_ = replay_p_ = blocked_p_ = blocked2_p_ = init_;
  hand_g_.resize(2 * (n + 1));  // two threads' partial sums
  hand_z_.resize(2 * kBlockRows);
  tape_g_.resize(n + 1);
}

namespace {
// Rows [r0, r1) of the gradient, in blocks of kBlockRows rows: g[0, n) += X^T dz, g[n] += sum dz
// with dz = sigmoid(X w + b) - y (dL/dz = a - y); z is scratch for one block.
void w3_rows(const double* X, const double* y, std::size_t n, std::size_t r0, std::size_t r1,
             const double* p, double* g, double* z) {
  const ConstVectorMap w(p, static_cast<Eigen::Index>(n));
  VectorMap gw(g, static_cast<Eigen::Index>(n));
  for (std::size_t b0 = r0; b0 < r1; b0 += kBlockRows) {
    const auto rows = static_cast<Eigen::Index>(std::min(kBlockRows, r1 - b0));
    const ConstMatrixMap xb(X + b0 * n, rows, static_cast<Eigen::Index>(n));
    VectorMap dz(z, rows);
    dz.noalias() = xb * w;
    for (Eigen::Index i = 0; i < rows; ++i) {
      dz[i] = sigmoid(dz[i] + p[n]) - y[b0 + static_cast<std::size_t>(i)];  // dL/dz = a - y
      g[n] += dz[i];
    }
    gw.noalias() += xb.transpose() * dz;  // X read once: the block is still in cache
  }
}
}  // namespace

std::span<const double> W3::hand(std::vector<double>& p, std::size_t threads) {
  const double* X = x_.value().data();
  const double* y = y_.value().data();
  std::fill(hand_g_.begin(), hand_g_.end(), 0.0);
  if (threads == 1) {
    w3_rows(X, y, n_, 0, m_, p.data(), hand_g_.data(), hand_z_.data());
  } else {
    // Two halves (whole blocks), each summed privately, then added.
    const std::size_t half = (m_ / kBlockRows / 2) * kBlockRows;
    std::jthread other(
        [&] { w3_rows(X, y, n_, half, m_, p.data(), &hand_g_[n_ + 1], &hand_z_[kBlockRows]); });
    w3_rows(X, y, n_, 0, half, p.data(), hand_g_.data(), hand_z_.data());
    other.join();
    for (std::size_t j = 0; j <= n_; ++j) hand_g_[j] += hand_g_[n_ + 1 + j];
  }
  const double scale = 1.0 / static_cast<double>(m_);
  for (std::size_t j = 0; j <= n_; ++j) hand_g_[j] *= scale;
  const std::span<const double> g(hand_g_.data(), n_ + 1);
  sgd(p, g);
  return g;
}

std::span<const double> W3::tape_step(std::vector<double>& p, const BlockOptions* blocks) {
  std::copy_n(p.data(), n_, tape_.mutable_value(w_).data());
  tape_.mutable_value(b_)[0] = p[n_];
  gradient(tape_, loss_, blocks);
  const Var params[2] = {w_, b_};
  read_and_update(tape_, params, tape_g_);
  std::copy_n(tape_.mutable_value(w_).data(), n_, p.data());
  p[n_] = b_.item();
  return tape_g_;
}

std::span<const double> W3::blocked_step() {
  const BlockOptions one{0, 1};
  return tape_step(blocked_p_, &one);
}

std::span<const double> W3::blocked_step_2t() {
  const BlockOptions two{0, 2};
  return tape_step(blocked2_p_, &two);
}

double W3::tape_memory_ratio() const noexcept {
  return static_cast<double>(tape_.bytes_used()) / static_cast<double>(m_ * n_ * sizeof(double));
}

// ---------------------------------------------------------------- W4

struct W4::Hand {
  RowMajor w1, gw1;       // n x h
  Eigen::RowVectorXd b1;  // 1 x h
  Eigen::RowVectorXd gb1;
  Eigen::VectorXd w2, gw2;  // h
  double b2 = 0.0;
  RowMajor h, dh;      // m x h
  Eigen::VectorXd dz;  // m
  std::vector<double> g;
};

W4::W4(std::size_t m, std::size_t n, std::size_t hidden)
    : m_(m), n_(n), h_(hidden), hand_(std::make_unique<Hand>()) {
  Rng rng(kSeed + 4);
  tape_.reserve(32, m * n + 8 * m * hidden + 8 * m + 4 * n * hidden + 64);
  x_ = tape_.input(Shape{m, n}, "X");
  y_ = tape_.input(Shape{m, 1}, "y");
  make_data(rng, tape_.mutable_value(x_).data(), tape_.mutable_value(y_).data(), m, n, 0.5, sine);
  const std::size_t count = n * hidden + hidden + hidden + 1;
  init_.resize(count);
  const double s1 = 1.0 / std::sqrt(static_cast<double>(n));
  const double s2 = 1.0 / std::sqrt(static_cast<double>(hidden));
  double* p = init_.data();
  for (std::size_t i = 0; i < n * hidden; ++i) *p++ = rng.uniform(-s1, s1);
  for (std::size_t i = 0; i < hidden; ++i) *p++ = rng.uniform(-0.1, 0.1);
  for (std::size_t i = 0; i < hidden; ++i) *p++ = rng.uniform(-s2, s2);
  *p = 0.0;

  const double* q = init_.data();
  w1_ = tape_.param(TensorView(q, Shape{n, hidden}), "W1");
  b1_ = tape_.param(TensorView(q + n * hidden, Shape{1, hidden}), "b1");
  w2_ = tape_.param(TensorView(q + n * hidden + hidden, Shape{hidden, 1}), "W2");
  b2_ = tape_.param(q[count - 1], "b2");
  const Var H = tanh(matmul(x_, w1_) + b1_);
  loss_ = mean(log_loss_with_logits(matmul(H, w2_) + b2_, y_));
  replay_g_.resize(count);
  replay_p_ = blocked_p_ = init_;

  Hand& hd = *hand_;
  const auto N = static_cast<Eigen::Index>(n);
  const auto K = static_cast<Eigen::Index>(hidden);
  const auto M = static_cast<Eigen::Index>(m);
  hd.w1 = ConstMatrixMap(q, N, K);
  hd.b1 = Eigen::Map<const Eigen::RowVectorXd>(q + n * hidden, K);
  hd.w2 = ConstVectorMap(q + n * hidden + hidden, K);
  hd.b2 = q[count - 1];
  hd.gw1.resize(N, K);
  hd.gb1.resize(K);
  hd.gw2.resize(K);
  hd.h.resize(M, K);
  hd.dh.resize(M, K);
  hd.dz.resize(M);
  hd.g.resize(count);
}

W4::~W4() = default;

std::span<const double> W4::hand_step() {
  Hand& hd = *hand_;
  const auto M = static_cast<Eigen::Index>(m_);
  const auto K = static_cast<Eigen::Index>(h_);
  const ConstMatrixMap X(x_.value().data(), M, static_cast<Eigen::Index>(n_));
  const double* y = y_.value().data();
  // forward: H = tanh(X W1 + b1), z = H W2 + b2
  hd.h.noalias() = X * hd.w1;
  for (Eigen::Index i = 0; i < M; ++i) {
    for (Eigen::Index j = 0; j < K; ++j) hd.h(i, j) = std::tanh(hd.h(i, j) + hd.b1[j]);
  }
  hd.dz.noalias() = hd.h * hd.w2;
  // backward: dz = (a - y) / m, dW2 = H^T dz, dH = dz W2^T * (1 - H^2), dW1 = X^T dH
  const double inv_m = 1.0 / static_cast<double>(m_);
  for (Eigen::Index i = 0; i < M; ++i) {
    hd.dz[i] = (sigmoid(hd.dz[i] + hd.b2) - y[i]) * inv_m;
  }
  hd.gw2.noalias() = hd.h.transpose() * hd.dz;
  const double gb2 = hd.dz.sum();
  for (Eigen::Index i = 0; i < M; ++i) {
    for (Eigen::Index j = 0; j < K; ++j) {
      const double a = hd.h(i, j);
      hd.dh(i, j) = hd.dz[i] * hd.w2[j] * (1.0 - a * a);
    }
  }
  hd.gw1.noalias() = X.transpose() * hd.dh;
  hd.gb1 = hd.dh.colwise().sum();
  // flatten and update
  double* g = hd.g.data();
  g = std::copy_n(hd.gw1.data(), hd.gw1.size(), g);
  g = std::copy_n(hd.gb1.data(), hd.gb1.size(), g);
  g = std::copy_n(hd.gw2.data(), hd.gw2.size(), g);
  *g = gb2;
  hd.w1 -= kLearningRate * hd.gw1;
  hd.b1 -= kLearningRate * hd.gb1;
  hd.w2 -= kLearningRate * hd.gw2;
  hd.b2 -= kLearningRate * gb2;
  return hd.g;
}

// Loads p (W1 | b1 | W2 | b2) into the tape, takes a step, stores the updated params back.
std::span<const double> W4::tape_step(std::vector<double>& p, const BlockOptions* blocks) {
  const Var params[4] = {w1_, b1_, w2_, b2_};
  const double* from = p.data();
  for (const Var& v : params) {
    const MutableTensorView value = tape_.mutable_value(v);
    std::copy_n(from, value.size(), value.data());
    from += value.size();
  }
  gradient(tape_, loss_, blocks);
  read_and_update(tape_, params, replay_g_);
  double* to = p.data();
  for (const Var& v : params) to = std::copy(v.value().begin(), v.value().end(), to);
  return replay_g_;
}

std::span<const double> W4::replay_step() { return tape_step(replay_p_, nullptr); }

std::span<const double> W4::blocked_step() {
  const BlockOptions one{0, 1};
  return tape_step(blocked_p_, &one);
}

}  // namespace tapegrad::bench
