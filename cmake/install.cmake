# install.cmake - what `cmake --install` puts where, and the shared library.
#
# Installs the program and its man page (doc/neardup.1.in, version filled in), the library
# as libneardup.a (the neardup_core target every test links) and libneardup.so.MAJOR (the
# same sources built once more, position-independent, exporting only what the public
# headers mark ND_API), the public headers, neardup.pc for pkg-config, a CMake package
# (find_package(neardup): targets neardup::neardup, shared, and neardup::neardup_static)
# and the bash completion. tests/e2e/install.sh installs into a temporary prefix and builds
# a program against it.

set_target_properties(neardup_core PROPERTIES OUTPUT_NAME neardup POSITION_INDEPENDENT_CODE ON
    EXPORT_NAME neardup_static)

# The shared library: neardup_core's sources, options and dependencies, built as one .so
# with a SONAME (libneardup.so.0 for 0.x.y).
get_target_property(ND_CORE_SOURCES neardup_core SOURCES)
add_library(neardup_shared SHARED ${ND_CORE_SOURCES})
target_include_directories(neardup_shared PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}> PRIVATE src ${UTHASH_INCLUDE_DIR})
target_compile_definitions(neardup_shared PRIVATE _POSIX_C_SOURCE=200809L)
target_compile_options(neardup_shared PRIVATE ${ND_WARNINGS})
target_link_libraries(neardup_shared PRIVATE PkgConfig::XXHASH PkgConfig::UTF8PROC
    PkgConfig::ZLIB PkgConfig::ZSTD PkgConfig::SQLITE3
    Threads::Threads m)
set_target_properties(neardup_shared PROPERTIES OUTPUT_NAME neardup EXPORT_NAME neardup
    C_VISIBILITY_PRESET hidden VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR})

# The man page: roff source with the version and date (SOURCE_DATE_EPOCH when set) filled in.
string(TIMESTAMP ND_MAN_DATE "%Y-%m-%d" UTC)
configure_file(doc/neardup.1.in ${PROJECT_BINARY_DIR}/neardup.1 @ONLY)

# pkg-config: the shared library by default; --static adds what the static one needs. The
# prefix is found from the .pc file's own place, so `cmake --install --prefix P` works.
file(RELATIVE_PATH ND_PC_TO_PREFIX /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
string(REGEX REPLACE "/$" "" ND_PC_TO_PREFIX "${ND_PC_TO_PREFIX}")
configure_file(neardup.pc.in ${PROJECT_BINARY_DIR}/neardup.pc @ONLY)

include(CMakePackageConfigHelpers)
configure_package_config_file(cmake/neardupConfig.cmake.in
    ${PROJECT_BINARY_DIR}/neardupConfig.cmake
    INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/neardup)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/neardupConfigVersion.cmake
    VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)

install(TARGETS neardup RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS neardup_core neardup_shared EXPORT neardupTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/neardup DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
    FILES_MATCHING PATTERN "*.h")
install(EXPORT neardupTargets NAMESPACE neardup::
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/neardup)
install(FILES ${PROJECT_BINARY_DIR}/neardupConfig.cmake
    ${PROJECT_BINARY_DIR}/neardupConfigVersion.cmake
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/neardup)
install(FILES ${PROJECT_BINARY_DIR}/neardup.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
install(FILES ${PROJECT_BINARY_DIR}/neardup.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES completion/neardup.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
    RENAME neardup)
