// The eager path of flash_sigmoid_attn in C++: a C++ autograd node that replays recorded
// Triton launches (native.py records them and says why).
//
// A call's key is everything the recorded launches depend on: device, dtype, shapes,
// strides and 16-byte alignment of every input, scale, causal, log n and the FLASHSIGMOID_*
// variables. Per key, a recipe holds each launch's CUfunction, grid, block, shared memory
// and parameters; a parameter is constant bytes, the address of one of the call's tensors,
// or a TMA descriptor over one of them, encoded per call for its address.

#include <ATen/ATen.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda.h>
#include <dlfcn.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/extension.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace py = pybind11;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

namespace {

enum Kind { kConst = 0, kPointer = 1, kTma = 2 };

struct Param {
  int kind = kConst;
  std::string bytes;  // kConst: the value as the kernel takes it
  int slot = -1;      // kPointer, kTma: which of the call's tensors
  int64_t offset = 0; // kPointer: bytes past the tensor's data_ptr
  // kTma: cuTensorMapEncodeTiled's arguments, innermost dimension first, but the address
  int elem_type = 0, rank = 0, swizzle = 0, fill = 0;
  std::array<uint64_t, 5> dims{}, strides{};
  std::array<uint32_t, 5> box{};
};

struct Launch {
  CUfunction function = nullptr;
  std::array<unsigned, 3> grid{};
  unsigned threads = 0, shared = 0;
  int num_ctas = 1;
  bool cooperative = false, pdl = false;
  int64_t scratch_bytes = 0; // global scratch per program (device-side TMA descriptors)
  std::vector<Param> params;
};

using Recipe = std::vector<Launch>;

struct Entry {
  std::shared_ptr<const Recipe> forward; // null: this key takes the Python path
  std::shared_ptr<const Recipe> backward; // null until recorded
  std::vector<int64_t> do_strides;        // dO's strides when the backward was recorded
  double scale = 0;
  bool causal = false, log_n = false;
};

// Guarded by `lock`: the autograd engine runs backward nodes on its own threads.
std::mutex lock;
std::unordered_map<std::string, int64_t> keys;
std::vector<std::shared_ptr<Entry>> entries; // never shrinks: nodes name entries by index
py::object *backward_fallback = nullptr;     // Python: the backward of an entry without one

std::shared_ptr<Entry> entry_at(int64_t index) {
  std::lock_guard<std::mutex> guard(lock);
  TORCH_CHECK(index >= 0 && index < static_cast<int64_t>(entries.size()),
              "flashsigmoid native: no entry ", index);
  return entries[index];
}

// --- the CUDA driver, through libcuda.so.1 (as Triton's launchers reach it) ---------------

using LaunchEx = CUresult (*)(const CUlaunchConfig *, CUfunction, void **, void **);
using EncodeTiled = CUresult (*)(CUtensorMap *, CUtensorMapDataType, cuuint32_t, void *,
                                 const cuuint64_t *, const cuuint64_t *, const cuuint32_t *,
                                 const cuuint32_t *, CUtensorMapInterleave, CUtensorMapSwizzle,
                                 CUtensorMapL2promotion, CUtensorMapFloatOOBfill);
using ErrorString = CUresult (*)(CUresult, const char **);

struct Driver {
  LaunchEx launch = nullptr;
  EncodeTiled encode = nullptr;
  ErrorString error_string = nullptr;
  Driver() {
    void *lib = dlopen("libcuda.so.1", RTLD_LAZY);
    TORCH_CHECK(lib, "flashsigmoid native: cannot open libcuda.so.1");
    launch = reinterpret_cast<LaunchEx>(dlsym(lib, "cuLaunchKernelEx"));
    encode = reinterpret_cast<EncodeTiled>(dlsym(lib, "cuTensorMapEncodeTiled"));
    error_string = reinterpret_cast<ErrorString>(dlsym(lib, "cuGetErrorString"));
    TORCH_CHECK(launch && encode && error_string, "flashsigmoid native: libcuda lacks an entry");
  }
  void check(CUresult result, const char *what) const {
    if (result == CUDA_SUCCESS) return;
    const char *text = "unknown error";
    error_string(result, &text);
    TORCH_CHECK(false, "flashsigmoid native: ", what, " failed: ", text);
  }
};

const Driver &driver() {
  static const Driver d;
  return d;
}

// --- keys -----------------------------------------------------------------------------------

void put(std::string &key, int64_t x) { key.append(reinterpret_cast<const char *>(&x), sizeof x); }

void put_tensor(std::string &key, const c10::optional<at::Tensor> &t) {
  if (!t.has_value() || !t->defined()) {
    put(key, -1);
    return;
  }
  put(key, static_cast<int64_t>(t->scalar_type()));
  put(key, t->dim());
  for (auto s : t->sizes()) put(key, s);
  for (auto s : t->strides()) put(key, s);
  put(key, reinterpret_cast<uintptr_t>(t->data_ptr()) % 16);
}

void put_env(std::string &key, const char *name) {
  const char *value = std::getenv(name);
  key += value ? value : "<unset>";
  key += '\0';
}

std::string make_key(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v,
                     const c10::optional<at::Tensor> &seq_lens,
                     const c10::optional<at::Tensor> &bias,
                     const c10::optional<at::Tensor> &slopes, double scale, bool causal,
                     bool log_n) {
  std::string key;
  key.reserve(512);
  put(key, q.get_device());
  for (const auto *t : {&q, &k, &v}) put_tensor(key, *t);
  put_tensor(key, seq_lens);
  put_tensor(key, bias);
  put_tensor(key, slopes);
  int64_t scale_bits;
  std::memcpy(&scale_bits, &scale, sizeof scale_bits);
  put(key, scale_bits);
  put(key, causal * 2 + log_n);
  for (const char *name : {"FLASHSIGMOID_AUTOTUNE", "FLASHSIGMOID_TMA", "FLASHSIGMOID_HOPPER"})
    put_env(key, name);
  return key;
}

// --- replaying a recipe ---------------------------------------------------------------------

at::Tensor slot_of(const std::vector<at::Tensor> &slots, int slot) {
  TORCH_CHECK(slot >= 0 && slot < static_cast<int>(slots.size()) && slots[slot].defined(),
              "flashsigmoid native: a recipe names a missing tensor (slot ", slot, ")");
  return slots[slot];
}

void replay(const Recipe &recipe, const std::vector<at::Tensor> &slots, CUstream stream) {
  const Driver &d = driver();
  for (const Launch &launch : recipe) {
    const size_t n = launch.params.size();
    std::vector<CUdeviceptr> addresses(n, 0);
    std::vector<CUtensorMap> maps(n);
    std::vector<void *> args(n + 2, nullptr);
    for (size_t i = 0; i < n; ++i) {
      const Param &p = launch.params[i];
      if (p.kind == kConst) {
        args[i] = const_cast<char *>(p.bytes.data());
        continue;
      }
      auto base = reinterpret_cast<CUdeviceptr>(slot_of(slots, p.slot).data_ptr());
      if (p.kind == kPointer) {
        addresses[i] = base + p.offset;
        args[i] = &addresses[i];
        continue;
      }
      cuuint32_t unit[5] = {1, 1, 1, 1, 1};
      d.check(d.encode(&maps[i], static_cast<CUtensorMapDataType>(p.elem_type), p.rank,
                       reinterpret_cast<void *>(base), p.dims.data(), p.strides.data(),
                       p.box.data(), unit, CU_TENSOR_MAP_INTERLEAVE_NONE,
                       static_cast<CUtensorMapSwizzle>(p.swizzle),
                       CU_TENSOR_MAP_L2_PROMOTION_L2_128B,
                       static_cast<CUtensorMapFloatOOBfill>(p.fill)),
              "cuTensorMapEncodeTiled");
      args[i] = &maps[i];
    }
    at::Tensor scratch;
    CUdeviceptr global_scratch = 0, profile_scratch = 0;
    if (launch.scratch_bytes > 0) {
      int64_t programs = int64_t(launch.grid[0]) * launch.grid[1] * launch.grid[2];
      scratch = at::empty({programs * launch.num_ctas * launch.scratch_bytes},
                          slots[1].options().dtype(at::kByte));
      global_scratch = reinterpret_cast<CUdeviceptr>(scratch.data_ptr());
    }
    args[n] = &global_scratch;
    args[n + 1] = &profile_scratch;

    CUlaunchAttribute attrs[4];
    unsigned num_attrs = 0;
    if (launch.pdl) {
      attrs[num_attrs].id = CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION;
      attrs[num_attrs++].value.programmaticStreamSerializationAllowed = 1;
    }
    if (launch.cooperative) {
      attrs[num_attrs].id = CU_LAUNCH_ATTRIBUTE_COOPERATIVE;
      attrs[num_attrs++].value.cooperative = 1;
    }
    if (launch.num_ctas != 1) {
      attrs[num_attrs].id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
      attrs[num_attrs].value.clusterDim.x = launch.num_ctas;
      attrs[num_attrs].value.clusterDim.y = 1;
      attrs[num_attrs++].value.clusterDim.z = 1;
    }
    CUlaunchConfig config{};
    config.gridDimX = launch.grid[0] * launch.num_ctas;
    config.gridDimY = launch.grid[1];
    config.gridDimZ = launch.grid[2];
    config.blockDimX = launch.threads;
    config.blockDimY = config.blockDimZ = 1;
    config.sharedMemBytes = launch.shared;
    config.hStream = stream;
    config.attrs = attrs;
    config.numAttrs = num_attrs;
    if (config.gridDimX * config.gridDimY * config.gridDimZ > 0)
      d.check(d.launch(&config, launch.function, args.data(), nullptr), "cuLaunchKernelEx");
  }
}

CUstream current_stream(const at::Tensor &t) {
  return c10::cuda::getCurrentCUDAStream(t.get_device()).stream();
}

// --- the autograd node ------------------------------------------------------------------------

at::Tensor defined_or_empty(const c10::optional<at::Tensor> &t) {
  return t.has_value() ? *t : at::Tensor();
}

struct Attention : public torch::autograd::Function<Attention> {
  // Optional tensors: autograd keeps no input metadata for an absent (undefined) one.
  static at::Tensor forward(AutogradContext *ctx, const at::Tensor &q, const at::Tensor &k,
                            const at::Tensor &v, const c10::optional<at::Tensor> &seq_lens_opt,
                            const c10::optional<at::Tensor> &bias_opt,
                            const c10::optional<at::Tensor> &slopes_opt, int64_t index) {
    const at::Tensor seq_lens = defined_or_empty(seq_lens_opt);
    const at::Tensor bias = defined_or_empty(bias_opt), slopes = defined_or_empty(slopes_opt);
    std::shared_ptr<const Recipe> recipe = entry_at(index)->forward;
    c10::cuda::CUDAGuard guard(q.device());
    at::Tensor out = at::empty(q.sizes(), q.options());
    replay(*recipe, {q, k, v, out, seq_lens, bias, slopes}, current_stream(q));
    ctx->save_for_backward({q, k, v, seq_lens, bias, slopes});
    ctx->saved_data["entry"] = index;
    return out;
  }

  static variable_list backward(AutogradContext *ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor &q = saved[0], &k = saved[1], &v = saved[2];
    const at::Tensor &seq_lens = saved[3], &bias = saved[4], &slopes = saved[5];
    const int64_t index = ctx->saved_data["entry"].toInt();
    std::shared_ptr<Entry> entry = entry_at(index);
    std::shared_ptr<const Recipe> recipe;
    std::vector<int64_t> do_strides;
    {
      std::lock_guard<std::mutex> guard(lock);
      recipe = entry->backward;
      do_strides = entry->do_strides;
    }
    at::Tensor d_out = grads[0];
    c10::cuda::CUDAGuard guard(q.device());
    if (recipe && d_out.strides() != c10::IntArrayRef(do_strides)) d_out = d_out.contiguous();
    at::Tensor dq, dk, dv, dbias;
    if (recipe && d_out.strides() == c10::IntArrayRef(do_strides) &&
        reinterpret_cast<uintptr_t>(d_out.data_ptr()) % 16 == 0) {
      dq = at::empty(q.sizes(), q.options());
      dk = at::empty(q.sizes(), q.options());
      dv = at::empty(q.sizes(), q.options());
      if (bias.defined()) dbias = at::zeros({q.size(0), q.size(2)}, q.options().dtype(at::kFloat));
      replay(*recipe, {d_out, q, k, v, dq, dk, dv, dbias, seq_lens, bias, slopes},
             current_stream(q));
    } else { // not recorded yet, or dO laid out otherwise: the Python backward
      py::gil_scoped_acquire gil;
      auto opt = [](const at::Tensor &t) { return t.defined() ? py::cast(t) : py::none(); };
      py::tuple result = (*backward_fallback)(index, d_out, q, k, v, opt(seq_lens), opt(bias),
                                              opt(slopes), entry->scale, entry->causal,
                                              entry->log_n);
      dq = result[0].cast<at::Tensor>();
      dk = result[1].cast<at::Tensor>();
      dv = result[2].cast<at::Tensor>();
      if (!result[3].is_none()) dbias = result[3].cast<at::Tensor>();
    }
    return {dq, dk, dv, at::Tensor(), dbias, at::Tensor(), at::Tensor()};
  }
};

// --- Python bindings --------------------------------------------------------------------------

// The output of a replayed call; else 0 (no entry for this key: record one) or 1 (the key
// takes the Python path).
py::object attention(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v,
                     const c10::optional<at::Tensor> &seq_lens,
                     const c10::optional<at::Tensor> &bias,
                     const c10::optional<at::Tensor> &slopes, double scale, bool causal,
                     bool log_n) {
  const char *native = std::getenv("FLASHSIGMOID_NATIVE");
  if (native && std::strcmp(native, "0") == 0) return py::int_(1);
  std::string key = make_key(q, k, v, seq_lens, bias, slopes, scale, causal, log_n);
  int64_t index;
  {
    std::lock_guard<std::mutex> guard(lock);
    auto found = keys.find(key);
    if (found == keys.end()) return py::int_(0);
    index = found->second;
    if (!entries[index]->forward) return py::int_(1);
  }
  return py::cast(Attention::apply(q, k, v, seq_lens, bias, slopes, index));
}

Param param_of(const py::tuple &spec) {
  Param p;
  p.kind = spec[0].cast<int>();
  if (p.kind == kConst) {
    p.bytes = spec[1].cast<std::string>();
    return p;
  }
  p.slot = spec[1].cast<int>();
  if (p.kind == kPointer) {
    p.offset = spec[2].cast<int64_t>();
    return p;
  }
  TORCH_CHECK(p.kind == kTma, "flashsigmoid native: unknown parameter kind ", p.kind);
  p.elem_type = spec[2].cast<int>();
  p.swizzle = spec[3].cast<int>();
  p.fill = spec[4].cast<int>();
  auto dims = spec[5].cast<std::vector<uint64_t>>();
  auto strides = spec[6].cast<std::vector<uint64_t>>();
  auto box = spec[7].cast<std::vector<uint32_t>>();
  p.rank = static_cast<int>(dims.size());
  TORCH_CHECK(p.rank >= 1 && p.rank <= 5 && strides.size() == dims.size() &&
                  box.size() == dims.size(),
              "flashsigmoid native: a TMA descriptor of rank 1 to 5");
  std::copy(dims.begin(), dims.end(), p.dims.begin());
  std::copy(strides.begin(), strides.end(), p.strides.begin());
  std::copy(box.begin(), box.end(), p.box.begin());
  return p;
}

// launches: [(function, (gx, gy, gz), threads, shared, num_ctas, cooperative, pdl,
//             scratch_bytes, [param spec, ...]), ...]
std::shared_ptr<const Recipe> recipe_of(const py::list &launches) {
  auto recipe = std::make_shared<Recipe>();
  for (const auto &item : launches) {
    auto spec = item.cast<py::tuple>();
    Launch launch;
    launch.function = reinterpret_cast<CUfunction>(spec[0].cast<uintptr_t>());
    auto grid = spec[1].cast<std::vector<unsigned>>();
    TORCH_CHECK(grid.size() == 3, "flashsigmoid native: a grid of three sizes");
    std::copy(grid.begin(), grid.end(), launch.grid.begin());
    launch.threads = spec[2].cast<unsigned>();
    launch.shared = spec[3].cast<unsigned>();
    launch.num_ctas = spec[4].cast<int>();
    launch.cooperative = spec[5].cast<bool>();
    launch.pdl = spec[6].cast<bool>();
    launch.scratch_bytes = spec[7].cast<int64_t>();
    for (const auto &param : spec[8].cast<py::list>()) launch.params.push_back(param_of(param.cast<py::tuple>()));
    recipe->push_back(std::move(launch));
  }
  return recipe;
}

// Registers the forward recipe of the key of these arguments (None: the key takes the
// Python path); returns the entry's index.
int64_t register_forward(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v,
                         const c10::optional<at::Tensor> &seq_lens,
                         const c10::optional<at::Tensor> &bias,
                         const c10::optional<at::Tensor> &slopes, double scale, bool causal,
                         bool log_n, const c10::optional<py::list> &launches) {
  std::string key = make_key(q, k, v, seq_lens, bias, slopes, scale, causal, log_n);
  auto entry = std::make_shared<Entry>();
  if (launches.has_value()) entry->forward = recipe_of(*launches);
  entry->scale = scale;
  entry->causal = causal;
  entry->log_n = log_n;
  std::lock_guard<std::mutex> guard(lock);
  auto found = keys.find(key);
  if (found != keys.end()) return found->second;
  entries.push_back(std::move(entry));
  keys.emplace(std::move(key), static_cast<int64_t>(entries.size() - 1));
  return static_cast<int64_t>(entries.size() - 1);
}

// Registers the backward recipe of an entry, recorded with dO of these strides.
void register_backward(int64_t index, std::vector<int64_t> do_strides, const py::list &launches) {
  auto recipe = recipe_of(launches);
  std::shared_ptr<Entry> entry = entry_at(index);
  std::lock_guard<std::mutex> guard(lock);
  entry->do_strides = std::move(do_strides);
  entry->backward = std::move(recipe);
}

void set_backward_fallback(py::object fn) { backward_fallback = new py::object(std::move(fn)); }

int64_t size() {
  std::lock_guard<std::mutex> guard(lock);
  return static_cast<int64_t>(entries.size());
}

} // namespace

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.def("attention", &attention);
  m.def("register_forward", &register_forward);
  m.def("register_backward", &register_backward);
  m.def("set_backward_fallback", &set_backward_fallback);
  m.def("size", &size);
}
