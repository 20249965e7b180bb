"""MyMove Lead Viewer: pull, view and export leads from the MYMOVE Partner API."""

__version__ = "0.1.0"
APP_NAME = "MyMove Lead Viewer"
APP_ID = "com.mymove.LeadViewer"
