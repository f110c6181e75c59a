# cmake -DSRC=<cuda_kernels.cu> -DOUT=<copy.cpp> -P emulate_kernels.cmake
# Writes the copy of the kernels' file that g++ compiles with cuda_emu.h:
#   k<<<grid, block, smem, stream>>>(args)  ->  EMU_LAUNCH(k, grid, block, smem, stream)(args)
#   asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t))  ->  (t = ::emu::globaltimer_ns())
# and nothing else (line numbers stay; a #line makes diagnostics, ASan's
# reports and the emulator's barrier lines name the real file). Fails when
# a launch or a PTX statement was not rewritten, or a kernel is never launched.
if(NOT SRC OR NOT OUT)
  message(FATAL_ERROR "emulate_kernels.cmake: SRC and OUT must be set")
endif()
file(READ "${SRC}" text)

string(REGEX MATCHALL "<<<" launches "${text}")
list(LENGTH launches launch_count)
string(REGEX REPLACE "([A-Za-z_][A-Za-z0-9_]*)<<<([^<>]*)>>>[ \t\r\n]*\\("
       "EMU_LAUNCH(\\1, \\2)(" copy "${text}")
string(REGEX MATCHALL "EMU_LAUNCH\\([A-Za-z_][A-Za-z0-9_]*," rewritten "${copy}")
list(LENGTH rewritten rewritten_count)
if(launch_count EQUAL 0 OR NOT rewritten_count EQUAL launch_count OR copy MATCHES "<<<|>>>")
  message(FATAL_ERROR "emulate_kernels.cmake: ${SRC} has ${launch_count} kernel launches (<<<), "
          "${rewritten_count} were rewritten: update the pattern")
endif()

string(REGEX REPLACE
       "asm volatile\\(\"mov\\.u64 %0, %%globaltimer;\" : \"=l\"\\(([A-Za-z_][A-Za-z0-9_]*)\\)\\)"
       "(\\1 = ::emu::globaltimer_ns())" copy "${copy}")
if(copy MATCHES "(^|[^A-Za-z0-9_])(asm|__asm__)[ \t\r\n]*(volatile[ \t\r\n]*)?\\(")
  message(FATAL_ERROR "emulate_kernels.cmake: ${SRC} has inline PTX the emulation does not know")
endif()

# Every kernel (__global__ ... name(...)) is launched by some wrapper.
string(REGEX MATCHALL "__global__[ \t\r\n]+void[ \t\r\n]+(__launch_bounds__\\([^)]*\\)[ \t\r\n]*)?[A-Za-z_][A-Za-z0-9_]*[ \t\r\n]*\\("
       kernels "${text}")
list(LENGTH kernels kernel_count)
if(kernel_count EQUAL 0)
  message(FATAL_ERROR "emulate_kernels.cmake: no __global__ kernel found in ${SRC}")
endif()
foreach(k IN LISTS kernels)
  string(REGEX REPLACE ".*[ \t\r\n)]([A-Za-z_][A-Za-z0-9_]*)[ \t\r\n]*\\($" "\\1" name "${k}")
  string(FIND "${copy}" "EMU_LAUNCH(${name}," at)
  if(at EQUAL -1)
    message(FATAL_ERROR "emulate_kernels.cmake: kernel ${name} is never launched in ${SRC}")
  endif()
endforeach()

file(WRITE "${OUT}" "// Generated from ${SRC} by emulate_kernels.cmake: do not edit.\n"
                    "#line 1 \"${SRC}\"\n${copy}")
message(STATUS "emulate_kernels: ${kernel_count} kernels, ${launch_count} launches rewritten")
