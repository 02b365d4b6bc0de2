# Install rules and the Debian package (issue 7). Included at the end of the top-level
# CMakeLists.txt, after every folder has defined its targets.
#
#   cmake --install build [--prefix /usr]  modules -> ${CMAKE_INSTALL_LIBDIR}/pkcs11 (multiarch:
#                                                     /usr/lib/x86_64-linux-gnu/pkcs11): the full
#                                                     libmynacard-pkcs11.so and the auth-only
#                                                     libmynacard-pkcs11-auth.so (issue 13)
#                                          CLI, simulator -> ${CMAKE_INSTALL_BINDIR}
#                                          p11-kit module file -> p11_module_configs
#   cpack -G DEB (in the build dir)        mynacard_<version>_<arch>.deb
#
# The targets' own folders carry their install(TARGETS) rules (pkcs11/, cardsim/, tools/); this
# file installs only what belongs to no folder, plus targets a folder has not installed yet
# (MYNACARD_INSTALL_TARGETS_HERE lists them, so nothing is installed twice).

include(GNUInstallDirs)

# GNUInstallDirs picks the multiarch libdir (lib/x86_64-linux-gnu) only when the prefix is /usr at
# configure time; the folders' install rules are fixed then. Packages and system installs must
# therefore configure with -DCMAKE_INSTALL_PREFIX=/usr (as debhelper does).
if(CMAKE_LIBRARY_ARCHITECTURE AND NOT CMAKE_INSTALL_LIBDIR MATCHES "${CMAKE_LIBRARY_ARCHITECTURE}")
  message(STATUS "mynacard: CMAKE_INSTALL_LIBDIR is '${CMAKE_INSTALL_LIBDIR}' (prefix "
                 "${CMAKE_INSTALL_PREFIX}); configure with -DCMAKE_INSTALL_PREFIX=/usr for the "
                 "multiarch layout the Debian package needs")
endif()

# Where the module goes: the p11-kit convention on Debian is the multiarch pkcs11 folder.
set(MYNACARD_PKCS11_INSTALL_DIR "${CMAKE_INSTALL_LIBDIR}/pkcs11")

# Targets whose folder has no install() rule yet. Empty once every folder installs its own.
set(MYNACARD_INSTALL_TARGETS_HERE "" CACHE STRING
    "Targets (mynacard, mynacard-sim, mynacard-pkcs11) installed by cmake/install.cmake")
foreach(t IN LISTS MYNACARD_INSTALL_TARGETS_HERE)
  if(TARGET ${t})
    install(TARGETS ${t}
            RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
            LIBRARY DESTINATION ${MYNACARD_PKCS11_INSTALL_DIR})
  endif()
endforeach()

# ---- p11-kit module file -------------------------------------------------------------------
# Paths from pkg-config p11-kit-1 (issue 7). p11_module_configs is absolute (/usr/share/...);
# under another install prefix it is re-rooted there, so `cmake --install --prefix /tmp/x`
# never writes outside its prefix.
pkg_get_variable(MYNACARD_P11KIT_CONFIGS p11-kit-1 p11_module_configs)
pkg_get_variable(MYNACARD_P11KIT_MODULE_PATH p11-kit-1 p11_module_path)
if(NOT MYNACARD_P11KIT_CONFIGS)
  set(MYNACARD_P11KIT_CONFIGS "/usr/share/p11-kit/modules")
endif()
if(MYNACARD_P11KIT_CONFIGS MATCHES "^/usr/(.*)$")
  set(_mynacard_p11kit_configs_rel "${CMAKE_MATCH_1}")
else()
  set(_mynacard_p11kit_configs_rel "${CMAKE_INSTALL_DATADIR}/p11-kit/modules")
endif()
set(MYNACARD_P11KIT_CONFIG_DIR "${_mynacard_p11kit_configs_rel}" CACHE STRING
    "Install folder (relative to the prefix) of the p11-kit module file")

# Only the full module is registered: p11-kit consumers (p11-kit-proxy, which is the OpenSSL
# pkcs11 engine's default module, GnuTLS's p11tool and certtool) are signing tools that need the
# signature key, and a second registration would show every card's authentication token twice
# to them. The auth-only module is for browsers, which load it by path (mynacard-nssdb, the
# Firefox policy).
# The shipped file names the module relative to p11_module_path; that is right only where the
# module lands in that very folder (prefix /usr). Elsewhere install a copy with the full path.
set(_mynacard_module_full "${CMAKE_INSTALL_PREFIX}/${MYNACARD_PKCS11_INSTALL_DIR}")
if(_mynacard_module_full STREQUAL MYNACARD_P11KIT_MODULE_PATH)
  set(_mynacard_module_file "${PROJECT_SOURCE_DIR}/packaging/p11-kit/mynacard.module")
else()
  file(READ "${PROJECT_SOURCE_DIR}/packaging/p11-kit/mynacard.module" _mynacard_module_text)
  string(REPLACE "module: libmynacard-pkcs11.so"
                 "module: ${_mynacard_module_full}/libmynacard-pkcs11.so"
                 _mynacard_module_text "${_mynacard_module_text}")
  set(_mynacard_module_file "${PROJECT_BINARY_DIR}/packaging/p11-kit/mynacard.module")
  file(WRITE "${_mynacard_module_file}" "${_mynacard_module_text}")
endif()
install(FILES "${_mynacard_module_file}" DESTINATION "${MYNACARD_P11KIT_CONFIG_DIR}")

# ---- NSS / Firefox helpers and documentation ----------------------------------------------
install(PROGRAMS "${PROJECT_SOURCE_DIR}/packaging/nss/mynacard-nssdb"
        DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES "${PROJECT_SOURCE_DIR}/packaging/firefox/policies.json"
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples/firefox)
install(FILES "${PROJECT_SOURCE_DIR}/LICENSE" DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME copyright)
foreach(doc README.md)
  if(EXISTS "${PROJECT_SOURCE_DIR}/${doc}")
    install(FILES "${PROJECT_SOURCE_DIR}/${doc}" DESTINATION ${CMAKE_INSTALL_DOCDIR})
  endif()
endforeach()
# Man pages: tools/CMakeLists.txt installs packaging/man/mynacard.1 itself.

# ---- Debian package (CPack) ---------------------------------------------------------------
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "mynacard")
set(CPACK_PACKAGE_VENDOR "mynacard project")
set(CPACK_PACKAGE_CONTACT "mynacard maintainers <mynacard@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "PC/SC middleware and PKCS#11 module for the Japanese My Number Card")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)            # mynacard_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION "utils")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
# The long description only: CPack puts CPACK_PACKAGE_DESCRIPTION_SUMMARY before it as the
# synopsis line and indents it for the control file (it would repeat a summary given here).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "A PKCS#11 module exposing the two JPKI keys of the My Number Card to Firefox,
Chromium, OpenSSL and every p11-kit consumer, an authentication-only module
for browsers, the mynacard command-line tool, and mynacard-sim, a software
card for testing without hardware.")
# Runtime dependencies are the Debian packages the binaries link to (dpkg-shlibdeps finds the
# exact versions: libc6, libstdc++6, libgcc-s1, libpcsclite1, libssl3, libpng16-16,
# libopenjp2-7, ...), plus pcscd (the daemon every PC/SC client needs) and p11-kit (which reads
# the module file).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "pcscd, p11-kit")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libnss3-tools")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libengine-pkcs11-openssl, vsmartcard-vpcd")
# Debian's own choice of default permissions; dpkg then owns every path cleanly on removal.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_SOURCE_IGNORE_FILES "/build[^/]*/;/\\\\.git/")
include(CPack)
