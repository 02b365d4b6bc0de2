#include "cardsim/state_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace mynacard::sim {

std::map<std::string, KeyState> StateStore::load() const {
    std::map<std::string, KeyState> keys;
    std::ifstream in(path_, std::ios::binary);
    if (!in) {
        if (errno == ENOENT) return keys;
        throw std::runtime_error("cannot read state file " + path_ + ": " + std::strerror(errno));
    }
    std::stringstream text;
    text << in.rdbuf();
    try {
        const auto json = nlohmann::json::parse(text.str());
        if (json.value("version", 0) != 1) throw std::runtime_error("unsupported version");
        for (const auto& [name, entry] : json.at("keys").items()) {
            KeyState state;
            state.tries = entry.at("tries").get<int>();
            if (entry.contains("value")) state.value = entry.at("value").get<std::string>();
            keys[name] = state;
        }
    } catch (const std::exception& e) {
        throw std::runtime_error("malformed state file " + path_ + ": " + e.what());
    }
    return keys;
}

void StateStore::save(const std::map<std::string, KeyState>& keys) const {
    nlohmann::json json;
    json["version"] = 1;
    json["keys"] = nlohmann::json::object();
    for (const auto& [name, state] : keys) {
        nlohmann::json entry;
        entry["tries"] = state.tries;
        if (state.value) entry["value"] = *state.value;
        json["keys"][name] = entry;
    }
    const std::string text = json.dump(2) + "\n";
    const std::string tmp = path_ + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        throw std::runtime_error("cannot write state file " + tmp + ": " + std::strerror(errno));
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int err = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            throw std::runtime_error("cannot write state file " + tmp + ": " + std::strerror(err));
        }
        done += static_cast<std::size_t>(n);
    }
    ::fsync(fd);  // the rename must not publish an empty file after a crash
    ::close(fd);
    if (std::rename(tmp.c_str(), path_.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        throw std::runtime_error("cannot replace state file " + path_ + ": " + std::strerror(err));
    }
}

}  // namespace mynacard::sim
