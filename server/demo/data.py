"""The demo data set: a field-service business in Greater Manchester.

Customers, site addresses and vendors are invented; towns, postcode areas and
coordinates are real, so distances and routes are realistic.
"""

# town, postcode district, latitude, longitude
TOWNS = [
    ("Manchester", "M1", 53.4794, -2.2453),
    ("Salford", "M5", 53.4875, -2.2901),
    ("Stockport", "SK1", 53.4084, -2.1494),
    ("Oldham", "OL1", 53.5409, -2.1114),
    ("Bolton", "BL1", 53.5785, -2.4299),
    ("Bury", "BL9", 53.5933, -2.2966),
    ("Rochdale", "OL16", 53.6152, -2.1557),
    ("Wigan", "WN1", 53.5448, -2.6318),
    ("Altrincham", "WA14", 53.3874, -2.3490),
    ("Stretford", "M32", 53.4466, -2.3086),
    ("Ashton-under-Lyne", "OL6", 53.4887, -2.0940),
    ("Sale", "M33", 53.4247, -2.3225),
    ("Didsbury", "M20", 53.4160, -2.2310),
    ("Prestwich", "M25", 53.5330, -2.2850),
    ("Eccles", "M30", 53.4830, -2.3360),
    ("Hyde", "SK14", 53.4510, -2.0790),
    ("Leigh", "WN7", 53.4975, -2.5190),
    ("Cheadle", "SK8", 53.3936, -2.2130),
]

STREETS = [
    "Market Street", "Station Road", "Chapel Lane", "Mill Lane", "Church Street", "Victoria Road",
    "Bridge Street", "King Street", "Oxford Road", "Wellington Road", "Park Road", "High Street",
    "Moss Lane", "Albert Road", "Greenfield Way", "Canal Street", "Queens Road", "Peel Street",
]

# name, equipment category, number of sites, access hours (weekday opening)
CUSTOMERS = [
    ("Northfield Dental Group", "medical", 4, ("08:00", "18:00")),
    ("Irwell Credit Union", "atm", 4, ("09:00", "17:00")),
    ("Pennine Pharmacy", "pos", 4, ("08:30", "18:30")),
    ("Mersey Print & Copy", "printer", 3, ("08:00", "17:30")),
    ("Cottonfield Medical Practice", "medical", 3, ("08:00", "18:30")),
    ("Greater Manchester Libraries", "printer", 4, ("10:00", "17:00")),
    ("Deansgate Legal LLP", "printer", 2, ("08:30", "17:30")),
    ("Ship Canal Logistics", "network", 3, ("07:00", "19:00")),
    ("Red Rose Convenience Stores", "pos", 4, ("07:00", "21:00")),
    ("Moorland Building Society", "atm", 3, ("09:00", "17:00")),
    ("Hallé Quarter Offices", "network", 3, ("08:00", "18:00")),
    ("Vale Veterinary Clinics", "medical", 3, ("08:00", "19:00")),
]

FIRST_NAMES = ["Sarah", "James", "Priya", "Tom", "Aisha", "Mark", "Helen", "Daniel", "Fatima", "Gareth",
               "Lucy", "Imran", "Claire", "Owen", "Nadia", "Rob"]
LAST_NAMES = ["Whitworth", "Ashworth", "Khan", "Hargreaves", "Patel", "Lomax", "Brierley", "Okafor", "Taylor",
              "Schofield", "Nuttall", "Begum", "Kershaw", "Walsh"]

# code, name, kind, capabilities, address, latitude, longitude, daily capacity, processing costs, fed by
FACILITIES = [
    ("TPK", "Trafford Park Depot", "depot", ["stock", "cross_dock", "vendor_returns"],
     "Westinghouse Road, Trafford Park, M17 1PG", 53.4630, -2.3160, 200,
     {"reuse": 4.0, "return_to_vendor": 6.0}, None),
    ("SQR", "Salford Quays Refurbishment Centre", "refurbishment_centre", ["refurbish", "stock", "hazardous"],
     "Broadway, Salford Quays, M50 2UE", 53.4700, -2.2940, 80,
     {"refurbish": 12.0, "reuse": 5.0}, "TPK"),
    ("OCR", "Oldham Certified Recycling", "recycler", ["recycle", "scrap", "hazardous"],
     "Hollinwood Avenue, Oldham, OL8 3QL", 53.5270, -2.1460, 300,
     {"recycle": 2.5, "scrap": 1.5}, "TPK"),
]

# Courier vans: name, depot code, capacity kg, capacity litres, shift start, shift end.
VEHICLES = [
    ("Van TPK-1", "TPK", 800.0, 6000.0, "08:00", "17:00"),
    ("Van TPK-2", "TPK", 800.0, 6000.0, "08:00", "17:00"),
]

# Engineers (username, display name, phone) — all start and end their day at the depot.
ENGINEERS = [
    ("eng.amy", "Amy Clarke", "07700 900101"),
    ("eng.ben", "Ben Hollins", "07700 900102"),
    ("eng.chloe", "Chloe Duckworth", "07700 900103"),
    ("eng.dev", "Dev Mistry", "07700 900104"),
    ("eng.ellie", "Ellie Greenhalgh", "07700 900105"),
    ("eng.femi", "Femi Adeyemi", "07700 900106"),
    ("eng.george", "George Haworth", "07700 900107"),
    ("eng.hana", "Hana Kowalski", "07700 900108"),
]
DISPATCHERS = [("disp.dana", "Dana Riley"), ]
ADMINS = [("admin", "Fieldloop Administrator")]

# part number, description, category, vendor, serialised, new price, refurbishment cost, yield, residual value,
# weight kg, volume l, hazardous, warranty days, refurbished units at the refurbishment centre, its stock target
PARTS = [
    # printers
    ("PRN-FUS-220", "Fuser unit 220 V, A3 MFP", "printer", "Arcadia Imaging", True, 310, 45, 0.85, 60, 2.8, 9.0, False, 365, 4, 10),
    ("PRN-DRM-K40", "Drum unit, black, 40k pages", "printer", "Arcadia Imaging", True, 140, 30, 0.70, 20, 1.2, 4.5, False, 180, 6, 8),
    ("PRN-BLT-ITB", "Intermediate transfer belt unit", "printer", "Arcadia Imaging", True, 260, 40, 0.80, 45, 2.1, 8.0, False, 365, 2, 6),
    ("PRN-MB-C550", "Main controller board, C550 series", "printer", "Arcadia Imaging", True, 420, 55, 0.75, 70, 0.6, 2.0, False, 365, 1, 4),
    ("PRN-PSU-C550", "Power supply unit, C550 series", "printer", "Arcadia Imaging", True, 185, 35, 0.80, 30, 1.4, 3.0, False, 365, 3, 5),
    ("PRN-LSU-C550", "Laser scanner unit", "printer", "Arcadia Imaging", True, 395, 60, 0.75, 65, 1.9, 5.0, False, 365, 1, 3),
    ("PRN-DUP-A3", "Duplex unit, A3", "printer", "Arcadia Imaging", True, 230, 35, 0.85, 40, 3.5, 14.0, False, 365, 2, 3),
    ("PRN-FIN-SF2", "Staple finisher SF-2", "printer", "Arcadia Imaging", True, 980, 120, 0.80, 160, 22.0, 95.0, False, 365, 0, 2),
    ("PRN-RLR-KIT", "Paper feed roller kit", "printer", "Arcadia Imaging", False, 38, 0, 0.0, 0, 0.2, 0.5, False, 90, 0, 0),
    ("PRN-TNR-K", "Toner cartridge, black", "printer", "Arcadia Imaging", False, 95, 18, 0.60, 4, 0.9, 2.5, False, 0, 0, 0),
    ("PRN-MFP-C550", "A3 colour multifunction printer C550", "printer", "Arcadia Imaging", True, 4200, 380, 0.80, 650, 95.0, 450.0, False, 730, 1, 2),
    ("PRN-SCN-ADF", "Document feeder assembly", "printer", "Arcadia Imaging", True, 275, 40, 0.80, 45, 4.2, 18.0, False, 365, 1, 3),
    # network
    ("NET-SW24-POE", "24-port PoE+ access switch", "network", "Netvale", True, 1150, 60, 0.90, 320, 4.1, 12.0, False, 1095, 3, 6),
    ("NET-SW48-POE", "48-port PoE+ access switch", "network", "Netvale", True, 2100, 80, 0.90, 560, 5.8, 16.0, False, 1095, 2, 4),
    ("NET-SFP-10G", "SFP+ 10G SR transceiver", "network", "Netvale", True, 95, 8, 0.95, 35, 0.05, 0.05, False, 1095, 20, 30),
    ("NET-RTR-BR4", "Branch router BR4", "network", "Netvale", True, 1450, 70, 0.90, 380, 3.6, 10.0, False, 1095, 1, 3),
    ("NET-AP-W6", "Wi-Fi 6 access point", "network", "Netvale", True, 420, 25, 0.90, 110, 0.9, 2.5, False, 1095, 5, 10),
    ("NET-FW-200", "Firewall appliance FW-200", "network", "Netvale", True, 1900, 90, 0.85, 450, 4.5, 11.0, False, 1095, 1, 2),
    ("NET-PSU-350", "Hot-swap PSU 350 W", "network", "Netvale", True, 240, 20, 0.90, 60, 1.1, 1.8, False, 1095, 4, 6),
    ("NET-FAN-T1", "Fan tray module", "network", "Netvale", True, 130, 15, 0.90, 25, 0.6, 1.2, False, 1095, 2, 4),
    ("NET-POE-INJ", "PoE injector 30 W", "network", "Netvale", False, 45, 0, 0.0, 6, 0.3, 0.4, False, 365, 0, 0),
    ("NET-UPS-1K5", "Rack UPS 1500 VA", "network", "Voltara", True, 780, 140, 0.70, 120, 24.0, 30.0, True, 730, 1, 2),
    ("NET-UPS-BAT", "UPS battery module (sealed lead-acid)", "battery", "Voltara", True, 210, 0, 0.0, 15, 14.0, 8.0, True, 365, 0, 0),
    # medical
    ("MED-INF-P7", "Volumetric infusion pump P7", "medical", "Medora", True, 2600, 240, 0.85, 700, 2.3, 6.0, False, 730, 2, 6),
    ("MED-MON-V12", "Patient monitor V12", "medical", "Medora", True, 5400, 420, 0.80, 1300, 6.5, 20.0, False, 730, 1, 3),
    ("MED-BAT-V12", "Patient monitor Li-ion battery", "battery", "Medora", True, 260, 0, 0.0, 20, 0.7, 0.6, True, 365, 0, 0),
    ("MED-SPO-S2", "SpO2 sensor, reusable", "medical", "Medora", True, 180, 25, 0.70, 30, 0.1, 0.2, False, 365, 6, 10),
    ("MED-ECG-LD5", "ECG 5-lead cable set", "medical", "Medora", False, 95, 0, 0.0, 5, 0.2, 0.5, False, 180, 0, 0),
    ("MED-DEF-BAT", "Defibrillator battery pack", "battery", "Medora", True, 340, 0, 0.0, 25, 0.8, 0.7, True, 730, 0, 0),
    ("MED-DCH-CB", "Dental chair control board", "medical", "Medora", True, 890, 110, 0.80, 210, 1.1, 3.0, False, 365, 1, 3),
    ("MED-DCH-PSU", "Dental chair power unit", "medical", "Medora", True, 640, 90, 0.80, 140, 3.8, 7.0, False, 365, 1, 2),
    ("MED-ACS-CMP", "Autoclave compressor module", "medical", "Medora", True, 760, 120, 0.75, 150, 9.5, 18.0, False, 365, 0, 2),
    ("MED-CAM-IO", "Intra-oral camera", "medical", "Medora", True, 1350, 140, 0.85, 380, 0.4, 1.0, False, 730, 1, 2),
    ("MED-XRS-SN", "Dental X-ray sensor", "medical", "Medora", True, 4800, 520, 0.70, 1100, 0.3, 0.8, False, 730, 0, 1),
    # point of sale
    ("POS-TRM-T5", "Payment terminal T5", "pos", "Tillwise", True, 320, 35, 0.90, 90, 0.4, 1.2, False, 730, 8, 15),
    ("POS-PRN-R80", "Thermal receipt printer R80", "pos", "Tillwise", True, 210, 25, 0.85, 50, 1.6, 4.0, False, 730, 4, 8),
    ("POS-TAB-15", "POS touchscreen terminal 15\"", "pos", "Tillwise", True, 980, 85, 0.85, 240, 4.8, 14.0, False, 730, 2, 5),
    ("POS-CDR-41", "Cash drawer 41 cm", "pos", "Tillwise", True, 130, 15, 0.95, 35, 7.5, 16.0, False, 365, 3, 4),
    ("POS-SCN-2D", "2D barcode scanner", "pos", "Tillwise", True, 160, 15, 0.90, 40, 0.3, 0.9, False, 730, 5, 8),
    ("POS-BAT-T5", "Payment terminal battery", "battery", "Tillwise", True, 35, 0, 0.0, 1, 0.1, 0.05, True, 365, 0, 0),
    ("POS-CRD-MOD", "Card reader module", "pos", "Tillwise", True, 110, 20, 0.80, 25, 0.2, 0.3, False, 365, 4, 8),
    ("POS-PAD-PIN", "PIN pad, stand-alone", "pos", "Tillwise", True, 190, 25, 0.85, 45, 0.5, 1.0, False, 730, 3, 6),
    ("POS-KDS-22", "Kitchen display screen 22\"", "pos", "Tillwise", True, 540, 60, 0.80, 130, 5.5, 18.0, False, 730, 1, 2),
    # ATMs
    ("ATM-CRD-IMCR", "ATM motorised card reader", "atm", "Vaultec", True, 890, 120, 0.80, 180, 1.8, 3.5, False, 365, 2, 6),
    ("ATM-DSP-CDM", "Cash dispenser module", "atm", "Vaultec", True, 6800, 650, 0.80, 1500, 38.0, 60.0, False, 730, 1, 2),
    ("ATM-EPP-V6", "Encrypting PIN pad V6", "atm", "Vaultec", True, 720, 0, 0.0, 30, 1.2, 1.5, False, 730, 0, 0),
    ("ATM-PRN-RCP", "ATM receipt printer", "atm", "Vaultec", True, 540, 70, 0.85, 110, 3.2, 7.0, False, 365, 2, 4),
    ("ATM-PC-CORE", "ATM PC core, Gen 7", "atm", "Vaultec", True, 1600, 180, 0.80, 350, 6.0, 14.0, False, 730, 1, 3),
    ("ATM-TSC-15", "ATM touchscreen display 15\"", "atm", "Vaultec", True, 780, 90, 0.85, 170, 4.0, 9.0, False, 730, 1, 3),
    ("ATM-DEP-BNA", "Banknote deposit module", "atm", "Vaultec", True, 9200, 900, 0.75, 2100, 45.0, 75.0, False, 730, 0, 1),
    ("ATM-UPS-BAT", "ATM UPS battery (sealed lead-acid)", "battery", "Voltara", True, 260, 0, 0.0, 20, 17.0, 9.0, True, 365, 0, 0),
    ("ATM-FAN-PSU", "ATM PSU with fan", "atm", "Vaultec", True, 410, 60, 0.80, 80, 2.6, 4.0, False, 365, 1, 3),
    ("ATM-CAM-SEC", "ATM security camera", "atm", "Vaultec", True, 350, 45, 0.85, 70, 0.4, 0.8, False, 365, 2, 3),
    ("ATM-CSS-CAS", "Cassette, cash 2000 notes", "atm", "Vaultec", True, 640, 80, 0.90, 160, 5.5, 12.0, False, 730, 4, 6),
    ("ATM-SKM-GRD", "Anti-skimming guard", "atm", "Vaultec", False, 90, 0, 0.0, 5, 0.3, 0.6, False, 365, 0, 0),
    # shared spares
    ("GEN-SSD-512", "SSD 512 GB, industrial", "network", "Netvale", True, 140, 10, 0.95, 40, 0.05, 0.1, False, 1095, 6, 10),
    ("GEN-KBD-STN", "Stainless keyboard", "pos", "Tillwise", True, 120, 15, 0.90, 25, 1.0, 2.5, False, 365, 2, 3),
    ("GEN-CBL-KIT", "Cable and connector kit", "network", "Netvale", False, 25, 0, 0.0, 2, 0.4, 0.8, False, 90, 0, 0),
    ("GEN-PSU-19V", "External 19 V power adapter", "pos", "Tillwise", False, 40, 0, 0.0, 3, 0.4, 0.6, False, 365, 0, 0),
]

# Stock (server/demo/stock.py; assumptions in docs/engine.md, "Demo stock").
#: The refurbishment centre that holds the refurbished units and the targets of PARTS.
STOCK_CENTRE = "SQR"
#: The depot that holds new units: half the centre's target of each part (at least one), and consumables.
NEW_STOCK_DEPOT = "TPK"
NEW_CONSUMABLES = {"PRN-RLR-KIT": 30, "PRN-TNR-K": 24, "GEN-CBL-KIT": 20, "GEN-PSU-19V": 10, "MED-ECG-LD5": 6}
#: What each engineer's van carries: part number, grade, units.
VAN_STOCK = [
    ("PRN-FUS-220", "new", 1), ("PRN-FUS-220", "refurbished", 1), ("PRN-DRM-K40", "refurbished", 2),
    ("PRN-RLR-KIT", "new", 4), ("POS-TRM-T5", "refurbished", 1), ("NET-SFP-10G", "new", 2),
]
#: Days ago of the opening stocktake (and the supplies after it): history, never the future.
OPENING_STOCK_DAYS_AGO = 30
#: Parts whose replacements must be new: batteries and patient-contact medical parts.
NEW_ONLY_PARTS = {"MED-INF-P7", "MED-SPO-S2", "MED-BAT-V12", "MED-DEF-BAT", "NET-UPS-BAT", "ATM-UPS-BAT",
                  "POS-BAT-T5"}
#: Bench hours per weekday by facility (two technicians at the refurbishment centre).
BENCH_HOURS_PER_WEEKDAY = {"SQR": 16.0}
#: A part's refurbishment hours are its refurbishment cost at this bench rate (at least a quarter hour).
BENCH_RATE_EUR_PER_HOUR = 40.0

#: Catalogue CO2e figures where a part's own footprint is known well enough to beat its
#: category's default (rules.toml [carbon]): part number → (embodied kg CO2e of a new unit,
#: share of it recycling recovers). Assumptions, stated in docs/engine.md ("Demo CO2e figures").
CO2E = {
    # Li-ion packs: ~100 kg CO2e per kWh of cells plus housing and electronics; about half of it
    # is in the cathode metals that hydrometallurgical recycling recovers.
    "MED-BAT-V12": (8.0, 0.50),   # 10.8 V, 5 Ah (54 Wh)
    "MED-DEF-BAT": (9.0, 0.50),
    "POS-BAT-T5": (2.0, 0.50),
    # Sealed lead-acid: ~2.5 kg CO2e per kg; lead is recycled at over 95%.
    "NET-UPS-BAT": (35.0, 0.80),
    "ATM-UPS-BAT": (42.0, 0.80),
    # Manufacturing share of published product carbon footprints of comparable devices.
    "PRN-MFP-C550": (500.0, 0.35),
    "NET-SW24-POE": (120.0, 0.15),
    "NET-SW48-POE": (160.0, 0.15),
    "MED-MON-V12": (250.0, 0.20),
    "POS-TRM-T5": (25.0, 0.15),
}

#: Equipment installed at a site of each category: (part number, how many at most).
INSTALLED_MIX = {
    "printer": [("PRN-MFP-C550", 2), ("PRN-FUS-220", 2), ("PRN-DRM-K40", 2), ("PRN-BLT-ITB", 1),
                ("PRN-MB-C550", 1), ("PRN-DUP-A3", 1), ("PRN-SCN-ADF", 1), ("PRN-FIN-SF2", 1)],
    "network": [("NET-SW24-POE", 3), ("NET-SW48-POE", 1), ("NET-SFP-10G", 4), ("NET-RTR-BR4", 1),
                ("NET-AP-W6", 4), ("NET-FW-200", 1), ("NET-UPS-1K5", 1), ("GEN-SSD-512", 1)],
    "medical": [("MED-INF-P7", 2), ("MED-MON-V12", 2), ("MED-BAT-V12", 2), ("MED-SPO-S2", 3),
                ("MED-DCH-CB", 1), ("MED-DCH-PSU", 1), ("MED-CAM-IO", 1), ("MED-DEF-BAT", 1)],
    "pos": [("POS-TRM-T5", 4), ("POS-PRN-R80", 2), ("POS-TAB-15", 2), ("POS-CDR-41", 2),
            ("POS-SCN-2D", 3), ("POS-PAD-PIN", 1), ("POS-CRD-MOD", 2), ("POS-KDS-22", 1)],
    "atm": [("ATM-CRD-IMCR", 1), ("ATM-DSP-CDM", 1), ("ATM-EPP-V6", 1), ("ATM-PRN-RCP", 1),
            ("ATM-PC-CORE", 1), ("ATM-TSC-15", 1), ("ATM-UPS-BAT", 1), ("ATM-CSS-CAS", 2)],
}

JOB_SUMMARIES = {
    "replace": "Replace faulty {description} ({part_number})",
    "collect": "Collect end-of-contract {description} ({part_number})",
}
