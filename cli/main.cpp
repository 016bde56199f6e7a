#include "cli/commands.hpp"

int main(int argc, char** argv) { return paxsim::cli::main_entry(argc, argv); }
