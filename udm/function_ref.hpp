#pragma once
// A non-owning reference to a callable. Event stores call a visitor once per value; a
// std::function would allocate for large captures and a template would leak the store's
// representation into every interface, so the visitor travels as two pointers.

#include <memory>
#include <type_traits>
#include <utility>

namespace lh::udm {

template <class Signature>
class FunctionRef;

template <class R, class... Args>
class FunctionRef<R(Args...)> {
public:
    template <class F>
        requires(!std::is_same_v<std::remove_cvref_t<F>, FunctionRef> && std::is_invocable_r_v<R, F&, Args...>)
    FunctionRef(F&& callable) noexcept  // NOLINT(google-explicit-constructor): used like a lambda parameter
        : object_(const_cast<void*>(static_cast<const void*>(std::addressof(callable)))),
          call_([](void* object, Args... args) -> R {
              return (*static_cast<std::remove_reference_t<F>*>(object))(std::forward<Args>(args)...);
          }) {}

    R operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }

private:
    void* object_;
    R (*call_)(void*, Args...);
};

}  // namespace lh::udm
