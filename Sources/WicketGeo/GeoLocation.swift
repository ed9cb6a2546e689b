/// Where an address is, as far as the GeoIP database knows. Each field is nil when unknown.
public struct GeoLocation: Sendable, Equatable, Hashable {
    /// ISO 3166-1 alpha-2 country code (`country.iso_code`), e.g. `US`.
    public var country: String?
    /// The first subdivision's ISO code (`subdivisions[0].iso_code`), e.g. `VA`.
    public var region: String?
    /// The English city name (`city.names.en`), e.g. `Ashburn`.
    public var city: String?

    public init(country: String? = nil, region: String? = nil, city: String? = nil) {
        self.country = country
        self.region = region
        self.city = city
    }
}
