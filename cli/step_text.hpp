// One step as a line people read: "12.345ms #57 deliver promise (1,n1) n2->n1 ...".
#pragma once

#include <string>

#include "sim/observer.hpp"
#include "sim/scenario.hpp"

namespace paxsim::cli {

std::string describe_command(const Command& c);
std::string describe_message(const sim::Scenario& s, const Message& m);
std::string describe_step(const sim::Scenario& s, const sim::StepInfo& info);
std::string describe_fault(const sim::Scenario& s, const sim::Fault& f);

}  // namespace paxsim::cli
