// The subcommands. Each takes the arguments after its name and returns the
// exit code. Each lives in its own cmd_<name>.cc.
#pragma once

#include <string>
#include <vector>

namespace casebook::cli {

using CommandArgs = std::vector<std::string>;

int RunBuild(const CommandArgs& args);    // cmd_build.cc
int RunCheck(const CommandArgs& args);    // cmd_check.cc
int RunNew(const CommandArgs& args);      // cmd_new.cc
int RunSearch(const CommandArgs& args);   // cmd_search.cc
int RunServe(const CommandArgs& args);    // cmd_serve.cc
int RunBrief(const CommandArgs& args);    // cmd_brief.cc
int RunActions(const CommandArgs& args);  // cmd_actions.cc
int RunInspect(const CommandArgs& args);  // cmd_inspect.cc
int RunConvert(const CommandArgs& args);  // cmd_convert.cc
int RunInit(const CommandArgs& args);     // cmd_init.cc

/// Usage text of one command ("" when unknown), for `casebook help CMD`.
std::string UsageOf(const std::string& command);

/// Prints "casebook <cmd>: <message>" and the usage to stderr; returns 2.
int UsageError(const std::string& command, const std::string& message);

}  // namespace casebook::cli
