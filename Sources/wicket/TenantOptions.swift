import ArgumentParser
import WicketCore

/// `--config FILE --tenant NAME`, for the commands that work on one tenant's stores.
struct TenantOptions: ParsableArguments {
    @OptionGroup var configOptions: ConfigOptions

    @Option(help: "The tenant whose store to use.")
    var tenant: String

    func open() throws -> TenantStores {
        let config = try configOptions.load()
        guard config.tenant(named: tenant) != nil else {
            throw CLIError("the configuration names no tenant `\(tenant)`")
        }
        do {
            return try TenantStores(config: config, tenant: tenant)
        } catch {
            throw CLIError("cannot open the stores of tenant `\(tenant)`: \(error)")
        }
    }
}
