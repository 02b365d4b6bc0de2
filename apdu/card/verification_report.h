// The result of checking a record's issuer signature chain, step by step (issue 4: "report each
// step"), so the CLI can print what was checked and why it failed.
#pragma once

#include <string>
#include <vector>

namespace mynacard::card {

enum class StepResult { Passed, Failed, Skipped };

struct VerificationStep {
    std::string name;  // e.g. "EF 0004 certificate signed by a trust anchor"
    StepResult result = StepResult::Skipped;
    std::string detail;  // why it failed / was skipped, or which anchor matched
};

struct VerificationReport {
    std::vector<VerificationStep> steps;

    // True when no step failed and every step that is not optional passed (see the applets).
    bool verified = false;
    // The first failed (or, if none failed, skipped-but-required) step's detail; "" when verified.
    std::string reason;

    void add(std::string name, StepResult result, std::string detail = {}) {
        steps.push_back({std::move(name), result, std::move(detail)});
    }
};

}  // namespace mynacard::card
