# pgo_train.cmake - the training run of the profile-guided build (run by
# CMakeLists.txt with cmake -P): the tool built with counters reads every
# capture in testdata/ in the JSON and the text report. GCC names a profile
# after the absolute path of the object it counts, '/' written '#'; the
# training build has the same objects under another directory, so each
# profile is renamed to the object of the real build that -fprofile-use
# will look for.
#
# -D TOOL=the tool with counters  -D PROFILE_DIR=their -fprofile-dir
# -D TRAIN_BUILD=the training build's directory  -D BUILD=the real one's
# -D DATA=testdata directory  -D STAMP=file touched when done
string(REPLACE "/" "#" from "${TRAIN_BUILD}")
string(REPLACE "/" "#" to "${BUILD}")
file(GLOB old "${PROFILE_DIR}/*.gcda")
if(old)
  file(REMOVE ${old})
endif()
file(GLOB_RECURSE captures "${DATA}/*.pcap" "${DATA}/*.pcapng")
list(SORT captures)
foreach(cap ${captures})
  foreach(format json text)
    # findings and damaged captures end with codes other than 0: expected
    execute_process(COMMAND "${TOOL}" --format ${format} "${cap}"
                    OUTPUT_QUIET ERROR_QUIET RESULT_VARIABLE rc)
    if(NOT rc MATCHES "^[0-9]+$")
      message(FATAL_ERROR "profile training: ${TOOL} on ${cap}: ${rc}")
    endif()
  endforeach()
endforeach()
file(GLOB profiles RELATIVE "${PROFILE_DIR}" "${PROFILE_DIR}/*.gcda")
set(n 0)
foreach(p ${profiles})
  string(FIND "${p}" "${from}#" at)
  if(at EQUAL 0)
    string(LENGTH "${from}" len)
    string(SUBSTRING "${p}" ${len} -1 rest)
    file(RENAME "${PROFILE_DIR}/${p}" "${PROFILE_DIR}/${to}${rest}")
    math(EXPR n "${n} + 1")
  endif()
endforeach()
if(n EQUAL 0)
  message(FATAL_ERROR "profile training: ${TOOL} wrote no profile in ${PROFILE_DIR}")
endif()
list(LENGTH captures ncap)
file(TOUCH "${STAMP}")
message(STATUS "profile: ${n} objects, trained on ${ncap} captures of testdata/")
