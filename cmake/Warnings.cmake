# One place for compiler flags shared by every ecsim target.
function(ecsim_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wno-unused-parameter
    -ffp-contract=off)  # no fused multiply-add: same floating-point results on every platform
  if(ECSIM_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
    # GCC's manual (Instrumentation Options): sanitizers raise the rate of
    # false -Wmaybe-uninitialized warnings; GCC 12 reports them inside
    # libstdc++'s <regex> and Boost.Optional. The release build keeps it.
    target_compile_options(${target} PRIVATE $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>)
  endif()
endfunction()
