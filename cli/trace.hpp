// The canonical trace: JSON lines, one per step, after a header line naming
// the scenario, the seed and the build. Written to a temporary file and
// renamed into place at the end, so a reader never sees half a trace.
#pragma once

#include <cstdio>
#include <string>

#include "sim/observer.hpp"
#include "sim/scenario.hpp"

namespace paxsim::cli {

class TraceWriter : public sim::Observer {
 public:
  // Opens `path`.tmp; returns false (with `error`) when it cannot.
  bool open(const std::string& path, const sim::Scenario& s, const std::string& build, std::string& error);
  // Writes the closing line and renames the file into place.
  bool close(const std::string& verdict, const std::string& fingerprint, std::string& error);
  ~TraceWriter() override;

  void on_step(const sim::StepInfo& info) override;
  void on_drop_at_send(Time_us t, const Message& m) override;

 private:
  void line(const std::string& s);
  const sim::Scenario* s_ = nullptr;
  std::FILE* f_ = nullptr;
  std::string path_, tmp_;
};

// Writes `content` to `path` through a temporary file and a rename.
bool write_file_atomic(const std::string& path, const std::string& content, std::string& error);

}  // namespace paxsim::cli
