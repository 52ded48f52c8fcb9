#pragma once
// A vector of trivially copyable elements that stores its first element
// inline. Per-replica state lives in flat arrays of these: a replica holding
// one key costs one cache line and no heap allocation, which is what keeps
// million-node runs fast (bench/README.md).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>

namespace ecsim {

template <typename T>
class InlineVector {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  InlineVector() = default;
  InlineVector(const InlineVector& o) { *this = o; }
  InlineVector& operator=(const InlineVector& o) {
    if (this == &o) return *this;
    clear();
    reserve(o.size_);
    std::memcpy(static_cast<void*>(data()), o.data(), o.size_ * sizeof(T));
    size_ = o.size_;
    return *this;
  }
  ~InlineVector() { release(); }

  std::uint32_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Elements are only ever written with memcpy, which implicitly creates
  // them in the raw inline storage (C++20 implicit object creation).
  T* data() { return capacity_ <= 1 ? std::launder(reinterpret_cast<T*>(inline_)) : heap_; }
  const T* data() const { return capacity_ <= 1 ? std::launder(reinterpret_cast<const T*>(inline_)) : heap_; }
  T* begin() { return data(); }
  T* end() { return data() + size_; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }
  T& operator[](std::size_t i) { return data()[i]; }
  const T& operator[](std::size_t i) const { return data()[i]; }

  T* insert(T* pos, const T& value) {
    const std::size_t index = static_cast<std::size_t>(pos - data());
    if (size_ == capacity_ || capacity_ == 0) reserve(size_ + 1 > 2 * capacity_ ? size_ + 1 : 2 * capacity_);
    T* d = data();
    std::memmove(static_cast<void*>(d + index + 1), d + index, (size_ - index) * sizeof(T));
    std::memcpy(static_cast<void*>(d + index), &value, sizeof(T));
    ++size_;
    return d + index;
  }
  void push_back(const T& value) { insert(end(), value); }
  void clear() { size_ = 0; }

 private:
  void reserve(std::uint32_t n) {
    if (n <= 1) {
      if (capacity_ == 0) capacity_ = 1;
      return;
    }
    if (n <= capacity_) return;
    T* fresh = static_cast<T*>(std::malloc(static_cast<std::size_t>(n) * sizeof(T)));
    if (!fresh) throw std::bad_alloc();
    std::memcpy(static_cast<void*>(fresh), data(), size_ * sizeof(T));
    release();
    heap_ = fresh;
    capacity_ = n;
  }
  void release() {
    if (capacity_ > 1) std::free(heap_);
    capacity_ = 0;
  }

  std::uint32_t size_ = 0;
  std::uint32_t capacity_ = 0;  // 0 or 1: inline; > 1: heap_
  union {
    alignas(T) unsigned char inline_[sizeof(T)];
    T* heap_;
  };
};

}  // namespace ecsim
