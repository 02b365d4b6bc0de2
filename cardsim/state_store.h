// Persistent card state (spec §9: counters survive power cycles and, with `--state FILE`,
// simulator restarts): every key reference's retry counter and any secret changed by
// CHANGE REFERENCE DATA / CHANGE KEY. A JSON file, written atomically (tmp + fsync + rename) so a
// crash mid-write never leaves a half-written state behind.
//
//   {"version": 1, "keys": {"jpki/0018": {"tries": 2}, "text/0011": {"tries": 3, "value": "9876"}}}
#pragma once

#include <map>
#include <optional>
#include <string>

namespace mynacard::sim {

struct KeyState {
    int tries = 0;
    std::optional<std::string> value;  // only when the holder changed it
};

class StateStore {
  public:
    explicit StateStore(std::string path) : path_(std::move(path)) {}

    // Empty map when the file does not exist. Throws std::runtime_error naming the file when it
    // exists but is unreadable or malformed (better than silently resetting counters).
    std::map<std::string, KeyState> load() const;
    // Throws std::runtime_error when the file cannot be written.
    void save(const std::map<std::string, KeyState>& keys) const;

    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

}  // namespace mynacard::sim
